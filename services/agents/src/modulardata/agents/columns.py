"""What the planners know about a table's columns: names, types and a few sample values."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

MAX_SAMPLES = 20
"""Distinct sample values kept per column (enough to find which column holds 'Germany')."""


@dataclass(frozen=True)
class ColumnInfo:
    """One column as the planners see it; never the data itself beyond a few samples."""

    name: str
    dtype: str
    samples: tuple[str, ...] = ()

    @property
    def is_numeric(self) -> bool:
        """Numbers already (integers, floats), as opposed to text holding numbers."""
        return self.dtype.lower().startswith(("int", "uint", "float", "double", "decimal"))

    @property
    def is_datetime(self) -> bool:
        """Parsed dates or times."""
        return self.dtype.lower().startswith(("datetime", "date", "timestamp"))

    @property
    def is_text(self) -> bool:
        """Text (or mixed) values."""
        return not (self.is_numeric or self.is_datetime or self.dtype.lower() == "bool")


def describe_columns(frame: pd.DataFrame, max_samples: int = MAX_SAMPLES) -> list[ColumnInfo]:
    """Column infos for a frame (usually a sample of rows of a version)."""
    return [
        ColumnInfo(
            name=str(name),
            dtype=str(frame[name].dtype),
            samples=tuple(str(v) for v in frame[name].dropna().unique()[:max_samples]),
        )
        for name in frame.columns
    ]
