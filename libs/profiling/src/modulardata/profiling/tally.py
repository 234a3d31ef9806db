"""Distinct values of a column and how often each occurs: exact, or from a row sample.

A column with few distinct values (judged on a sample) is dictionary-encoded whole: exact
counts, and a code per row that the duplicate-row check reuses. A column whose sample is mostly
distinct values is only tallied on the sample; its distinct count is then estimated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

SAMPLE_ROWS = 20_000
"""Rows sampled to judge a column's cardinality, and to tally one with many distinct values."""

HIGH_CARDINALITY = 0.5
"""Share of distinct values in the sample above which a column is tallied on the sample only."""

Codes = npt.NDArray[np.int64]
Counts = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Tally:
    """Distinct non-missing values with their counts; counts x `scale` estimate the column's."""

    values: pa.Array[Any]
    counts: Counts
    scale: float
    codes: Codes | None
    """Per-row index into `values` (-1 for missing), only for an exact tally."""
    sample_rows: int | None
    """Rows the tally was made from, when it was made from a sample."""
    distinct: int
    """Distinct values of the whole column (estimated for a sampled tally)."""

    @property
    def exact(self) -> bool:
        """Whether the counts are those of the whole column."""
        return self.sample_rows is None


def sample_positions(rows: int, seed: int = 0) -> npt.NDArray[np.int64] | None:
    """Sorted positions of the rows sampled, or None when every row is used."""
    if rows <= SAMPLE_ROWS:
        return None
    chosen = np.random.default_rng(seed).choice(rows, SAMPLE_ROWS, replace=False)
    return np.sort(chosen).astype(np.int64)


def tally(column: pa.ChunkedArray[Any], sample: npt.NDArray[np.int64] | None) -> Tally:
    """The column's tally: exact unless the sample says most of its values are distinct."""
    if sample is not None:
        estimate = sampled(column, sample)
        present = int(estimate.counts.sum())
        if present and len(estimate.values) > HIGH_CARDINALITY * present:
            return estimate
    return _encode(column)


def sampled(column: pa.ChunkedArray[Any], sample: npt.NDArray[np.int64]) -> Tally:
    """The tally of the sampled rows, scaled to the whole column."""
    encoded = _encode(column.take(sample))
    present = int(encoded.counts.sum())
    total = len(column) - column.null_count
    return Tally(
        values=encoded.values,
        counts=encoded.counts,
        scale=total / present if present else 1.0,
        codes=None,
        sample_rows=len(sample),
        distinct=_estimate_distinct(encoded.counts, present, total),
    )


def dictionary_codes(
    column: pa.ChunkedArray[Any] | pa.Array[Any],
) -> tuple[Codes, pa.Array[Any]]:
    """Per row, the index of its value among the distinct values (-1 when missing); those.

    The chunks of a column share one dictionary, so nothing is concatenated but the codes.
    """
    chunked = column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])
    if chunked.num_chunks == 0:
        chunked = pa.chunked_array([chunked.combine_chunks()])
    encoded: Any = pc.dictionary_encode(cast(Any, chunked))
    indices: Any = pa.chunked_array([chunk.indices for chunk in encoded.chunks])
    codes = np.asarray(pc.fill_null(indices, -1).to_numpy(), dtype=np.int64)
    return codes, encoded.chunk(0).dictionary


def _encode(column: pa.ChunkedArray[Any]) -> Tally:
    codes, values = dictionary_codes(column)
    counts = np.bincount(codes + 1, minlength=len(values) + 1)[1:].astype(np.int64)
    return Tally(
        values=values,
        counts=counts,
        scale=1.0,
        codes=codes,
        sample_rows=None,
        distinct=len(values),
    )


def _estimate_distinct(counts: Counts, present: int, total: int) -> int:
    """Shlosser's estimator of the distinct values in `total` rows from a sample's counts.

    Exact for a column of unique values, and good for skewed ones; never below the sample's.
    """
    if total <= present:
        return len(counts)
    q = present / total
    frequencies = np.bincount(counts)  # frequencies[i]: values seen exactly i times
    i = np.arange(len(frequencies), dtype=np.float64)
    numerator = float(np.sum((1 - q) ** i * frequencies))
    denominator = float(np.sum(i * q * (1 - q) ** (i - 1) * frequencies))
    estimate = len(counts) + (frequencies[1] * numerator / denominator if denominator else 0)
    return int(min(max(estimate, len(counts)), total))


def top(tally: Tally, limit: int) -> list[tuple[object, int]]:
    """The most frequent values with their (scaled) counts, most frequent first."""
    if not len(tally.counts):
        return []
    order = np.argsort(-tally.counts, kind="stable")[:limit]
    values = tally.values.take(order).to_pylist()
    return [
        (v, round(int(c) * tally.scale)) for v, c in zip(values, tally.counts[order], strict=True)
    ]
