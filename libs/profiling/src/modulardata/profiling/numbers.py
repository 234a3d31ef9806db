"""Statistics and outliers of numbers, whether stored as numbers or written as text."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from modulardata.contracts.profile import NumericSummary, Outliers

Floats = npt.NDArray[np.float64]

QUANTILES = (5, 25, 50, 75, 95)
Z_LIMIT = 3.0
_EXAMPLES = 5


def column_numbers(column: pa.ChunkedArray[Any] | pa.Array[Any]) -> Floats:
    """The numbers of a numeric column as floats, missing values left out."""
    return np.asarray(pc.cast(column.drop_null(), pa.float64()).to_numpy(), dtype=np.float64)


def text_numbers(values: pa.Array[Any]) -> Floats:
    """Numbers written as text ('$1,250.00', '12 %', '3e5'), one per value: NaN where none."""
    digits = pc.replace_substring_regex(pc.utf8_trim_whitespace(values), r"[^\d.eE+-]", "")
    digits = pc.replace_substring_regex(digits, r"^[eE]+|[eE]+$", "")
    parsed = [_float(text) for text in digits.to_pylist()]
    return np.array(parsed, dtype=np.float64)


def _float(text: str | None) -> float:
    try:
        return float(text) if text else float("nan")
    except ValueError:
        return float("nan")


def summarize(
    numbers: Floats, weights: npt.NDArray[np.int64] | None = None
) -> tuple[NumericSummary, Outliers] | None:
    """Summary statistics and outliers of numbers, each counted `weights` times (default once).

    Weighted, the distinct values of a column stand for all its rows at the cost of the few.
    """
    if weights is None:
        counts = None
        numbers = numbers[np.isfinite(numbers)]
        total = len(numbers)
        if not total:
            return None
        levels = np.percentile(numbers, QUANTILES)
        quantiles = {f"{q}%": float(v) for q, v in zip(QUANTILES, levels, strict=True)}
    else:
        keep = np.isfinite(numbers) & (weights > 0)
        numbers, counts = numbers[keep], weights[keep]
        if not len(numbers):
            return None
        order = np.argsort(numbers, kind="stable")
        numbers, counts = numbers[order], counts[order]
        total = int(counts.sum())
        cumulative = np.cumsum(counts)
        quantiles = {f"{q}%": _quantile(numbers, cumulative, total, q) for q in QUANTILES}

    def count(mask: npt.NDArray[np.bool_]) -> int:
        return int(mask.sum()) if counts is None else int(counts[mask].sum())

    mean = float(np.average(numbers, weights=counts))
    variance = float(np.average((numbers - mean) ** 2, weights=counts))
    std = (variance * total / (total - 1)) ** 0.5 if total > 1 else 0.0
    q1, q3 = quantiles["25%"], quantiles["75%"]
    spread = q3 - q1
    low, high = q1 - 1.5 * spread, q3 + 1.5 * spread
    outside = (numbers < low) | (numbers > high)
    extreme = (numbers < q1 - 3 * spread) | (numbers > q3 + 3 * spread)
    far = np.abs(numbers - mean) > Z_LIMIT * std if std else np.zeros(len(numbers), dtype=bool)
    median = quantiles["50%"]
    flagged = np.unique(numbers[outside | far])
    examples = flagged[np.argsort(-np.abs(flagged - median), kind="stable")][:_EXAMPLES]
    summary = NumericSummary(
        min=float(numbers.min()), max=float(numbers.max()), mean=mean, std=std, quantiles=quantiles
    )
    outliers = Outliers(
        iqr_low=low,
        iqr_high=high,
        iqr_count=count(outside),
        extreme_count=count(extreme),
        zscore_count=count(far),
        examples=[float(v) for v in examples],
    )
    return summary, outliers


def _quantile(numbers: Floats, cumulative: npt.NDArray[np.int64], total: int, q: int) -> float:
    """The q-th percentile of the expanded values, interpolated linearly as NumPy does."""
    position = q / 100 * (total - 1)
    below = int(np.floor(position))
    fraction = position - below
    low = numbers[np.searchsorted(cumulative, below, side="right")]
    high = numbers[np.searchsorted(cumulative, min(below + 1, total - 1), side="right")]
    return float(low + (high - low) * fraction)
