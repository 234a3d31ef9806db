"""What changed between two versions of a dataset: columns, rows and cells. Pure, in memory.

Rows are compared on the columns both versions share, with values normalised so that a retyped
column holding equal values (1 and 1.0, "1" and 1, a date and its midnight) is no change, and NaN
is a missing value like null:

1. Rows equal on every shared column are unchanged, matched as a multiset: sorting changes
   nothing, dropping a duplicate removes a row.
2. The rest are paired: by an id-like key column (`id`, `*_id`; unique and non-null among
   the rows left on each side) when one pairs any of them; else by position when both sides
   have as many left (pandas steps keep the order of rows); else by any other such key. A pair
   is a changed row and its differing shared cells are counted per column; what stays unpaired
   was added or removed.

A renamed column is a column removed and a column added: it is not compared, so renaming alone
changes no row. Every step is vectorised (pyarrow, numpy); both tables are held in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from modulardata.contracts.values import RetypedColumn, logical_type
from modulardata.profiling.tally import Codes, dictionary_codes

_ID_LIKE = re.compile(r"(?:^|[_\s.-])(?i:id)$|[a-z0-9](?:Id|ID)$")
"""`id`, `customer_id`, `Customer ID`, `customerId`; not `paid`."""
_MAX_CODE = 2**62


@dataclass(frozen=True)
class TableDiff:
    """What changed from one table to another; `cells_changed` lists columns with changes."""

    rows_before: int
    rows_after: int
    rows_added: int
    rows_removed: int
    rows_changed: int
    columns_added: list[str]
    columns_removed: list[str]
    columns_retyped: list[RetypedColumn]
    cells_changed: dict[str, int]


def diff_tables(before: pa.Table, after: pa.Table) -> TableDiff:
    """What changed from `before` to `after`."""
    after_names = set(after.column_names)
    shared = [name for name in before.column_names if name in after_names]
    shared_names = set(shared)
    size = before.num_rows
    codes = {name: _value_codes(before.column(name), after.column(name)) for name in shared}
    rows = _row_codes(list(codes.values()), size + after.num_rows)
    left_before = np.flatnonzero(~_matched(rows[:size], rows[size:]))
    left_after = np.flatnonzero(~_matched(rows[size:], rows[:size]))
    sides = {name: (values[:size], values[size:]) for name, values in codes.items()}
    paired_before, paired_after = _pair(left_before, left_after, sides)
    changed = {
        name: int(np.count_nonzero(old[paired_before] != new[paired_after]))
        for name, (old, new) in sides.items()
    }
    return TableDiff(
        rows_before=before.num_rows,
        rows_after=after.num_rows,
        rows_added=len(left_after) - len(paired_after),
        rows_removed=len(left_before) - len(paired_before),
        rows_changed=len(paired_before),
        columns_added=[name for name in after.column_names if name not in shared_names],
        columns_removed=[name for name in before.column_names if name not in after_names],
        columns_retyped=[
            RetypedColumn(name=name, before=str(old_type), after=str(new_type))
            for name in shared
            if logical_type(str(old_type := before.schema.field(name).type))
            != logical_type(str(new_type := after.schema.field(name).type))
        ],
        cells_changed={name: count for name, count in changed.items() if count},
    )


def _value_codes(before: pa.ChunkedArray[Any], after: pa.ChunkedArray[Any]) -> Codes:
    """Codes of a column's values, `before`'s rows then `after`'s, over one shared dictionary."""
    target = _comparable(_value_type(before.type), _value_type(after.type))
    try:
        return _codes(pa.chunked_array([_normalised(before, target), _normalised(after, target)]))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # Nested values, or bytes that are not text: compare their Python form, value by value.
        values = [*before.to_pylist(), *after.to_pylist()]
        texts = [repr(value) if value is not None else None for value in values]
        return _codes(pa.array(texts, pa.large_string()))


def _value_type(type_: pa.DataType) -> pa.DataType:
    return type_.value_type if pa.types.is_dictionary(type_) else type_


def _comparable(before: pa.DataType, after: pa.DataType) -> pa.DataType:
    """The type both sides are compared in: their own if equal, else one that keeps equality."""
    if before == after:
        return before
    if _is_number(before) and _is_number(after):
        return pa.float64()
    if _is_moment(before) and _is_moment(after):
        units = {getattr(type_, "unit", "us") for type_ in (before, after)}
        return pa.timestamp("ns" if "ns" in units else "us")
    return pa.large_string()


def _is_number(type_: pa.DataType) -> bool:
    return bool(
        pa.types.is_integer(type_)
        or pa.types.is_floating(type_)
        or pa.types.is_decimal(type_)
        or pa.types.is_boolean(type_)
    )


def _is_moment(type_: pa.DataType) -> bool:
    return bool(pa.types.is_timestamp(type_) or pa.types.is_date(type_))


def _normalised(column: pa.ChunkedArray[Any], target: pa.DataType) -> pa.Array[Any]:
    """The column in `target`'s type, dictionaries decoded and NaN made null."""
    values: Any = column.combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if pa.types.is_floating(values.type):
        values = pc.if_else(pc.is_nan(values), pa.scalar(None, values.type), values)
    # A tz-aware timestamp cast to a naive one keeps its UTC wall time.
    return cast("pa.Array[Any]", pc.cast(values, target))


def _row_codes(columns: list[Codes], rows: int) -> Codes:
    """One code per row, from 0 up: equal rows (on every column) have equal codes."""
    # Renumbering costs a hash table, so the codes of several columns are packed into one integer
    # (a mixed radix) and renumbered only when the next column would not fit.
    codes, bound = np.zeros(rows, dtype=np.int64), 1
    for values in columns:
        width = int(values.max(initial=-1)) + 2  # codes from -1 (missing) up
        if bound * width > _MAX_CODE:
            codes = _codes(pa.array(codes))
            bound = int(codes.max(initial=0)) + 1
        codes = codes * width + values + 1
        bound *= width
    return _codes(pa.array(codes))


def _codes(values: pa.Array[Any] | pa.ChunkedArray[Any]) -> Codes:
    """Codes of the values, numbered from 0; -1 where missing."""
    return dictionary_codes(values)[0] if len(values) else np.zeros(0, dtype=np.int64)


def _matched(own: Codes, other: Codes) -> npt.NDArray[np.bool_]:
    """Which of `own`'s rows have a partner in `other`: the first k rows of each code, where k
    is how often `other` has it."""
    size = int(max(own.max(initial=-1), other.max(initial=-1))) + 1
    available = np.bincount(other, minlength=size)
    return np.asarray(_occurrence(own) < available[own], dtype=np.bool_)


def _occurrence(codes: Codes) -> Codes:
    """For each row, how many earlier rows have the same code."""
    if not len(codes):
        return codes
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(codes)]))
    occurrence = np.empty_like(codes)
    occurrence[order] = np.arange(len(codes)) - group_start
    return occurrence


Pairs = tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]


def _pair(
    left_before: npt.NDArray[np.intp],
    left_after: npt.NDArray[np.intp],
    columns: dict[str, tuple[Codes, Codes]],
) -> Pairs:
    """Rows of `before` and of `after` that are the same row, changed (see the module's rules)."""
    if not len(left_before) or not len(left_after):
        return left_before[:0], left_after[:0]
    by_key = {
        name: _key_pairs(old, new, left_before, left_after)
        for name, (old, new) in columns.items()
        if _is_key(old[left_before]) and _is_key(new[left_after])
    }
    id_pairs = [pairs for name, pairs in by_key.items() if _ID_LIKE.search(name) and len(pairs[0])]
    if id_pairs:
        return max(id_pairs, key=lambda pairs: len(pairs[0]))
    if len(left_before) == len(left_after):
        return left_before, left_after
    return max(
        by_key.values(), key=lambda pairs: len(pairs[0]), default=(left_before[:0], left_after[:0])
    )


def _is_key(codes: Codes) -> bool:
    """Whether values (a column's, among the rows left to pair) are unique and never missing."""
    return bool((codes >= 0).all() and np.bincount(codes).max(initial=0) <= 1)


def _key_pairs(
    old: Codes, new: Codes, left_before: npt.NDArray[np.intp], left_after: npt.NDArray[np.intp]
) -> Pairs:
    """The leftover rows of each side that hold the same key value."""
    _, in_before, in_after = np.intersect1d(
        old[left_before], new[left_after], assume_unique=True, return_indices=True
    )
    return left_before[in_before], left_after[in_after]
