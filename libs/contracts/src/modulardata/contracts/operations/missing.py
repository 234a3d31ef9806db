"""Operations on missing values: drop, fill, standardise, and drop sparse or empty columns."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from modulardata.contracts.operations.base import (
    CleaningOperation,
    PerColumn,
    Scalar,
    column_ref,
    listing,
    literal,
    names_literal,
)
from modulardata.contracts.text import ColumnName, Prose


class DropNulls(CleaningOperation):
    """Drop rows with missing values."""

    COLUMN_FIELDS = ("columns",)

    kind: Literal["drop_nulls"] = "drop_nulls"
    columns: tuple[ColumnName, ...] = Field(
        default=(), description="Columns to look at; empty means every column."
    )
    how: Literal["any", "all"] = Field(
        default="any", description="Drop a row when any (or all) of those columns is missing."
    )

    def compile(self) -> str:
        args = [f"subset={names_literal(self.columns)}"] if self.columns else []
        if self.how == "all":
            args.append('how="all"')
        return f"df = df.dropna({', '.join(args)})"

    def describe(self) -> str:
        where = f"in {listing(self.columns)}" if self.columns else "anywhere"
        if self.how == "all":
            return f"Drop rows where every value {where} is missing."
        return f"Drop rows with a missing value {where}."


FillStrategy = Literal["value", "mean", "median", "mode", "forward", "backward"]


class FillNulls(CleaningOperation):
    """Fill missing values with a constant or a statistic of the column."""

    COLUMN_FIELDS = ("columns",)

    kind: Literal["fill_nulls"] = "fill_nulls"
    columns: tuple[ColumnName, ...] = Field(min_length=1, description="Columns to fill.")
    strategy: FillStrategy = Field(description="What to fill with.")
    value: Scalar | None = Field(default=None, description="The constant, for strategy 'value'.")

    def compile(self) -> str:
        return "\n".join(f"{column_ref(c)} = {self._fill(column_ref(c))}" for c in self.columns)

    def _fill(self, series: str) -> str:
        match self.strategy:
            case "value":
                return f"{series}.fillna({literal(self.value)})"
            case "mean" | "median":
                return f"{series}.fillna({series}.{self.strategy}())"
            case "mode":
                return f"{series}.fillna({series}.mode().iloc[0])"
            case "forward":
                return f"{series}.ffill()"
            case "backward":
                return f"{series}.bfill()"

    def describe(self) -> str:
        how = {
            "value": f"{literal(self.value)}",
            "mean": "the column's mean",
            "median": "the column's median",
            "mode": "the most common value",
            "forward": "the previous row's value",
            "backward": "the next row's value",
        }[self.strategy]
        return f"Fill missing values in {listing(self.columns)} with {how}."


class StandardizeMissing(PerColumn):
    """Turn placeholder text such as 'n/a' or '-' into real missing values."""

    kind: Literal["standardize_missing"] = "standardize_missing"
    tokens: tuple[Prose, ...] = Field(
        default=("n/a", "N/A", "NA", "na", "null", "NULL", "None", "none", "-", "?"),
        min_length=1,
        description="Whole cell values that mean 'missing'.",
    )

    def compile(self) -> str:
        if not self.columns:
            return f"df = df.replace({names_literal(self.tokens)}, np.nan)"
        return super().compile()

    def _transform(self, series: str) -> str:
        return f"{series}.replace({names_literal(self.tokens)}, np.nan)"

    def describe(self) -> str:
        where = listing(self.columns) if self.columns else "every column"
        return f"Treat {listing(self.tokens)} as missing in {where}."


class DropSparseColumns(CleaningOperation):
    """Drop columns where too large a share of the values is missing."""

    kind: Literal["drop_sparse_columns"] = "drop_sparse_columns"
    max_missing: float = Field(
        default=0.5, ge=0, le=1, description="Largest share of missing values a kept column has."
    )

    def compile(self) -> str:
        return f"df = df.loc[:, df.isna().mean() <= {self.max_missing!r}]"

    def describe(self) -> str:
        return f"Drop columns with more than {self.max_missing:.0%} missing values."


class DropEmptyColumns(CleaningOperation):
    """Drop columns with no values at all."""

    kind: Literal["drop_empty_columns"] = "drop_empty_columns"

    def compile(self) -> str:
        return 'df = df.dropna(axis="columns", how="all")'

    def describe(self) -> str:
        return "Drop columns that are completely empty."
