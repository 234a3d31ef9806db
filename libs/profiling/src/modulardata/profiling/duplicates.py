"""Exact duplicate rows, found by hashing every row once.

Each column contributes a 64-bit key per row: its dictionary code, or the bits of its numbers.
Columns with too many distinct values to encode cheaply contribute only for the rows that the
other columns already pair up, so a table of unique ids costs one pass.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from modulardata.profiling.tally import dictionary_codes

RowKeys = npt.NDArray[np.uint64]

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_NULL = np.uint64(0x5BD1E9955BD1E995)
_EXAMPLES = 5


def value_keys(column: pa.ChunkedArray[Any], codes: npt.NDArray[np.int64] | None) -> RowKeys | None:
    """A key per row that is equal exactly when the values are; None when too costly here."""
    if codes is not None:
        return codes.view(np.uint64)
    kind = column.type
    keys: RowKeys
    if pa.types.is_floating(kind):
        numbers = np.array(cast(Any, pc).fill_null(column, 0.0).to_numpy(), dtype=np.float64)
        # -0.0 and 0.0 are equal values with different bits; adding 0.0 makes them one.
        np.add(numbers, 0.0, out=numbers)
        keys = numbers.view(np.uint64)
    elif pa.types.is_integer(kind) or pa.types.is_temporal(kind) or pa.types.is_boolean(kind):
        integers = cast(Any, pc).fill_null(pc.cast(column, pa.int64()), 0).to_numpy()
        keys = np.array(integers, dtype=np.int64).view(np.uint64)
    else:
        return None
    if column.null_count:
        keys[np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)] = _NULL
    return keys


class RowHashes:
    """A hash per row, built one column at a time so that no column's keys are kept."""

    def __init__(self, rows: int) -> None:
        self._hashes = np.zeros(rows, dtype=np.uint64)
        self._deferred: list[int] = []

    def add(self, index: int, key: RowKeys | None) -> None:
        """Mix in column `index`'s keys; None defers it to the rows the others pair up."""
        if key is None:
            self._deferred.append(index)
        else:
            self._hashes = _mix(self._hashes, key)

    def duplicates(self, table: pa.Table) -> tuple[int, list[int]]:
        """How many rows repeat an earlier row exactly, and the positions of the first few."""
        if table.num_rows < 2 or not table.num_columns:
            return 0, []
        positions = _sharing_a_hash(self._hashes)
        if not len(positions):
            return 0, []
        hashes = self._hashes[positions]
        for index in self._deferred:
            codes, _ = dictionary_codes(table.column(index).take(positions))
            hashes = _mix(hashes, codes.astype(np.uint64))
        repeated = _repeats(hashes)
        return int(repeated.sum()), positions[repeated][:_EXAMPLES].tolist()


def _sharing_a_hash(hashes: RowKeys) -> npt.NDArray[np.intp]:
    """Positions of the rows whose hash some other row has too (sorting beats hashing here)."""
    ordered = np.sort(hashes)
    shared = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if not len(shared):
        return np.flatnonzero(np.zeros(0, dtype=bool))
    found = np.minimum(np.searchsorted(shared, hashes), len(shared) - 1)
    return np.flatnonzero(shared[found] == hashes)


def _repeats(hashes: RowKeys) -> npt.NDArray[np.bool_]:
    """Which entries equal an earlier one.

    Dictionary codes are given in order of first appearance, so an entry repeats an earlier
    one exactly when its code is not above every code before it.
    """
    codes, _ = dictionary_codes(pa.array(hashes))
    before = np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
    return np.asarray(codes <= before, dtype=bool)


def _mix(hashes: RowKeys, key: RowKeys) -> RowKeys:
    mixed = (hashes ^ key) * _MULTIPLIER
    return mixed ^ (mixed >> np.uint64(29))
