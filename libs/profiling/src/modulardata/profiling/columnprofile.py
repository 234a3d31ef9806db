"""The profile of one column: counts, semantic type, statistics and text hygiene."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from modulardata.contracts.profile import (
    ColumnProfile,
    DatetimeSummary,
    NumericSummary,
    Outliers,
    SemanticType,
    StringHygiene,
    ValueCount,
)
from modulardata.profiling.duplicates import RowKeys, value_keys
from modulardata.profiling.numbers import column_numbers, summarize, text_numbers
from modulardata.profiling.semantic import Classified, classify, verdict
from modulardata.profiling.spelling import CLUSTER_LIMIT, case_variants, spelling_clusters
from modulardata.profiling.tally import Tally, sampled, tally, top

CLASSIFY_LIMIT = 50_000
"""Most distinct values classified one by one; a column with more is classified on a sample."""
TOP_VALUES = 10
FIRST_VALUES = 3
EXAMPLES = 5
CATEGORICAL_MAX = 50
"""Distinct values a column may have to be categorical whatever its size..."""
CATEGORICAL_SHARE = 0.05
"""...or the share of its rows they may make up."""

_ID_NAME = re.compile(r"(^|[_\s.-])(id|key|code|uuid|number|no)$|^id[_\s.-]|id$", re.IGNORECASE)


@dataclass(frozen=True)
class ColumnResult:
    """A column's profile and its contribution to the duplicate-row check."""

    profile: ColumnProfile
    row_keys: RowKeys | None


def profile_column(
    name: str, column: pa.ChunkedArray[Any], sample: npt.NDArray[np.int64] | None
) -> ColumnResult:
    """Profile one column; `sample` holds the positions sampled when the table is large."""
    counts = tally(column, sample)
    keys = value_keys(column, counts.codes)
    rows, nulls = len(column), column.null_count
    base = {
        "name": name,
        "physical_type": str(column.type),
        "null_count": nulls,
        "null_pct": round(100 * nulls / rows, 2) if rows else 0.0,
        "distinct_count": counts.distinct,
        "distinct_approximate": not counts.exact,
        "first_values": [_text(v) for v in column.slice(0, FIRST_VALUES).to_pylist()],
    }
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        analysed = counts
        if len(counts.values) > CLASSIFY_LIMIT and sample is not None:
            analysed = sampled(column, sample)
        return ColumnResult(ColumnProfile(**base, **_text_details(analysed, rows - nulls)), keys)
    return ColumnResult(ColumnProfile(**base, **_typed_details(name, column, counts)), keys)


def _typed_details(name: str, column: pa.ChunkedArray[Any], counts: Tally) -> dict[str, object]:
    kind = column.type
    present = len(column) - column.null_count
    semantic: SemanticType = "text"
    details: dict[str, object] = {}
    if present == 0 or pa.types.is_null(kind):
        semantic = "empty"
    elif pa.types.is_boolean(kind):
        semantic = "boolean"
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        semantic = "float" if not pa.types.is_integer(kind) else "integer"
        if semantic == "integer" and counts.distinct == present and _ID_NAME.search(name):
            semantic = "identifier"
        if counts.exact:
            details.update(_numbers(column_numbers(counts.values), counts.counts))
        else:
            details.update(_numbers(column_numbers(column)))
    elif pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        semantic = "date" if pa.types.is_date(kind) else "datetime"
        bounds = pc.min_max(column)
        details["datetime"] = DatetimeSummary(
            min=_text(bounds["min"].as_py()) or "",
            max=_text(bounds["max"].as_py()) or "",
            formats=[],
        )
    return {
        "semantic_type": semantic,
        "null_like_count": 0,
        "null_like_values": [],
        "top_values": _top_values(counts, semantic),
        "sample_rows": counts.sample_rows,
        **details,
    }


def _text_details(counts: Tally, present: int) -> dict[str, object]:
    classified = classify(counts.values)
    judged = verdict(classified, counts.counts)
    types, scale = classified.types, counts.scale
    null_like = types == "null"
    semantic = judged.type or _text_type(counts, present, null_like)
    details: dict[str, object] = {}
    conforming = judged.conforming
    if semantic in ("integer", "float", "currency", "percent"):
        numbers = text_numbers(counts.values.filter(pa.array(conforming)))
        details.update(_numbers(numbers, counts.counts[conforming]))
    elif semantic in ("date", "datetime"):
        dates = _date_range(classified, counts, semantic == "date")
        details.update(datetime=dates, formats=dates.formats)
    spellings: dict[str, int] = {}
    if len(types) <= CLUSTER_LIMIT:
        values = counts.values.to_pylist()
        spellings = {
            str(value): round(int(count) * scale)
            for value, count, skip in zip(values, counts.counts, null_like, strict=True)
            if not skip
        }
    nonconforming = ~conforming & ~null_like if judged.type else np.zeros(len(types), dtype=bool)
    hygiene = StringHygiene(
        whitespace_count=_scaled(counts, _untrimmed(counts.values) & ~null_like),
        case_variants=case_variants(spellings),
        spelling_clusters=spelling_clusters(spellings)
        if semantic in ("categorical", "text")
        else [],
        nonconforming_count=_scaled(counts, nonconforming),
        nonconforming_examples=_examples(counts, nonconforming),
    )
    return {
        "semantic_type": semantic,
        "null_like_count": _scaled(counts, null_like),
        "null_like_values": _examples(counts, null_like),
        "top_values": _top_values(counts, semantic),
        "sample_rows": counts.sample_rows,
        "hygiene": hygiene,
        **details,
    }


def _text_type(counts: Tally, present: int, null_like: npt.NDArray[np.bool_]) -> SemanticType:
    real = int(counts.counts[~null_like].sum())
    if real == 0:
        return "empty"
    distinct = counts.distinct
    if (
        distinct <= CATEGORICAL_MAX
        and distinct * 2 <= present
        or distinct <= CATEGORICAL_SHARE * present
    ):
        return "categorical"
    values = counts.values.filter(pa.array(~null_like))
    lengths = pc.utf8_length(values).to_numpy(zero_copy_only=False)  # type: ignore[call-overload]
    spaces = pc.count_substring(values, " ").to_numpy(zero_copy_only=False)  # type: ignore[call-overload]
    weights = counts.counts[~null_like]
    if np.average(lengths, weights=weights) >= 40 or np.average(spaces, weights=weights) >= 4:
        return "free_text"
    if counts.exact and distinct == present and (spaces == 0).mean() >= 0.95:
        digits = pc.match_substring_regex(values, r"\d").to_numpy(zero_copy_only=False)
        if digits.mean() >= 0.5 or len(set(lengths)) == 1:
            return "identifier"
    return "text"


def _numbers(
    numbers: npt.NDArray[np.float64], weights: npt.NDArray[np.int64] | None = None
) -> dict[str, NumericSummary | Outliers]:
    summary = summarize(numbers, weights)
    return {} if summary is None else {"numeric": summary[0], "outliers": summary[1]}


def _date_range(classified: Classified, counts: Tally, dates_only: bool) -> DatetimeSummary:
    bounds = pc.min_max(classified.timestamps)
    used: dict[str, int] = {}
    for format_, count in zip(classified.date_formats, counts.counts, strict=True):
        if format_:
            used[format_] = used.get(format_, 0) + int(count)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    if dates_only:
        low, high = low.date(), high.date()
    return DatetimeSummary(
        min=_text(low) or "", max=_text(high) or "", formats=sorted(used, key=lambda f: -used[f])
    )


def _untrimmed(values: pa.Array[Any]) -> npt.NDArray[np.bool_]:
    trimmed = pc.utf8_trim_whitespace(values)
    return np.asarray(pc.not_equal(values, trimmed).to_numpy(zero_copy_only=False), dtype=bool)


def _scaled(counts: Tally, mask: npt.NDArray[np.bool_]) -> int:
    return round(int(counts.counts[mask].sum()) * counts.scale)


def _examples(counts: Tally, mask: npt.NDArray[np.bool_]) -> list[ValueCount]:
    if not mask.any():
        return []
    subset = Tally(
        values=counts.values.filter(pa.array(mask)),
        counts=counts.counts[mask],
        scale=counts.scale,
        codes=None,
        sample_rows=counts.sample_rows,
        distinct=int(mask.sum()),
    )
    return [ValueCount(value=_text(v) or "", count=c) for v, c in top(subset, EXAMPLES)]


def _top_values(counts: Tally, semantic: SemanticType) -> list[ValueCount]:
    listed = top(counts, TOP_VALUES)
    if semantic not in ("categorical", "boolean") and counts.distinct > TOP_VALUES:
        listed = [(value, count) for value, count in listed if count > round(counts.scale)]
    return [ValueCount(value=_text(value) or "", count=count) for value, count in listed]


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
