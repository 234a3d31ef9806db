"""Operations on rows: dedupe, filter, blank where, clip, remove outliers, sort, limit."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field

from modulardata.contracts.operations.base import (
    CleaningOperation,
    column_ref,
    listing,
    literal,
    names_literal,
)
from modulardata.contracts.operations.conditions import Condition
from modulardata.contracts.text import ColumnName


class DropDuplicates(CleaningOperation):
    """Remove repeated rows, comparing all columns or a subset."""

    COLUMN_FIELDS = ("columns",)

    kind: Literal["drop_duplicates"] = "drop_duplicates"
    columns: tuple[ColumnName, ...] = Field(
        default=(), description="Columns that identify a duplicate; empty means all."
    )
    keep: Literal["first", "last"] = Field(default="first", description="Which copy to keep.")

    def compile(self) -> str:
        args = [f"subset={names_literal(self.columns)}"] if self.columns else []
        if self.keep == "last":
            args.append('keep="last"')
        return f"df = df.drop_duplicates({', '.join(args)})"

    def describe(self) -> str:
        by = f" by {listing(self.columns)}" if self.columns else ""
        return f"Remove duplicate rows{by}, keeping the {self.keep} one."


class FilterRows(CleaningOperation):
    """Keep (or drop) the rows that meet conditions."""

    kind: Literal["filter_rows"] = "filter_rows"
    conditions: tuple[Condition, ...] = Field(min_length=1, description="Tests on the rows.")
    combine: Literal["all", "any"] = Field(
        default="all", description="A row meets them when all (or any) pass."
    )
    keep: bool = Field(default=True, description="Keep the matching rows; False drops them.")

    def compile(self) -> str:
        masks = [c.mask() for c in self.conditions]
        joined = (" & " if self.combine == "all" else " | ").join(
            f"({m})" if len(masks) > 1 else m for m in masks
        )
        if not self.keep:
            joined = f"~({joined})"
        return f"df = df[{joined}]"

    def describe(self) -> str:
        joined = f" {'and' if self.combine == 'all' else 'or'} ".join(
            c.describe() for c in self.conditions
        )
        return f"{'Keep only' if self.keep else 'Drop'} rows where {joined}."

    def referenced_columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.column for c in self.conditions))

    def retarget(self, mapping: dict[str, str]) -> Self:
        conditions = tuple(
            c.model_copy(update={"column": mapping.get(c.column, c.column)})
            for c in self.conditions
        )
        return self.model_copy(update={"conditions": conditions})


class SetMissingWhere(CleaningOperation):
    """Blank out a column's values where a condition holds (e.g. impossible ages)."""

    COLUMN_FIELDS = ("column",)

    kind: Literal["set_missing_where"] = "set_missing_where"
    column: ColumnName = Field(description="Column whose values become missing.")
    condition: Condition = Field(description="Rows where the value is blanked.")

    def compile(self) -> str:
        return f"df.loc[{self.condition.mask()}, {literal(self.column)}] = np.nan"

    def describe(self) -> str:
        return f"Set '{self.column}' to missing where {self.condition.describe()}."

    def referenced_columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.column, self.condition.column)))

    def retarget(self, mapping: dict[str, str]) -> Self:
        column = mapping.get(self.column, self.column)
        condition = self.condition.model_copy(
            update={"column": mapping.get(self.condition.column, self.condition.column)}
        )
        return self.model_copy(update={"column": column, "condition": condition})


class ClipValues(CleaningOperation):
    """Cap numbers at a lower and/or upper bound."""

    COLUMN_FIELDS = ("column",)

    kind: Literal["clip_values"] = "clip_values"
    column: ColumnName = Field(description="Numeric column to cap.")
    lower: float | None = Field(default=None, description="Smallest allowed value.")
    upper: float | None = Field(default=None, description="Largest allowed value.")

    def compile(self) -> str:
        bounds = [
            f"{name}={value!r}"
            for name, value in (("lower", self.lower), ("upper", self.upper))
            if value is not None
        ]
        return f"{column_ref(self.column)} = {column_ref(self.column)}.clip({', '.join(bounds)})"

    def describe(self) -> str:
        bounds = [
            f"{w} {v:g}"
            for w, v in (("at least", self.lower), ("at most", self.upper))
            if v is not None
        ]
        return f"Cap '{self.column}' to {' and '.join(bounds)}."


class RemoveOutliers(CleaningOperation):
    """Drop rows whose value lies outside the interquartile fences (missing values stay)."""

    COLUMN_FIELDS = ("column",)

    kind: Literal["remove_outliers"] = "remove_outliers"
    column: ColumnName = Field(description="Numeric column to test.")
    factor: float = Field(default=1.5, gt=0, description="Fence width in interquartile ranges.")

    def compile(self) -> str:
        series, k = column_ref(self.column), self.factor
        return (
            f"q1, q3 = {series}.quantile([0.25, 0.75])\n"
            f"low, high = q1 - {k} * (q3 - q1), q3 + {k} * (q3 - q1)\n"
            f"df = df[{series}.between(low, high) | {series}.isna()]"
        )

    def describe(self) -> str:
        return f"Remove rows whose '{self.column}' is an outlier ({self.factor:g} x IQR rule)."


class SortRows(CleaningOperation):
    """Order rows by columns; missing values go last."""

    COLUMN_FIELDS = ("columns",)

    kind: Literal["sort_rows"] = "sort_rows"
    columns: tuple[ColumnName, ...] = Field(
        min_length=1, description="Sort keys, most important first."
    )
    descending: bool = Field(default=False, description="Largest (or latest, or Z) first.")

    def compile(self) -> str:
        order = ", ascending=False" if self.descending else ""
        return f"df = df.sort_values({names_literal(self.columns)}{order})"

    def describe(self) -> str:
        return f"Sort rows by {listing(self.columns)}{', descending' if self.descending else ''}."


class LimitRows(CleaningOperation):
    """Keep only the first (or last) rows."""

    kind: Literal["limit_rows"] = "limit_rows"
    count: int = Field(ge=0, description="Rows to keep.")
    from_end: bool = Field(default=False, description="Keep the last rows instead.")

    def compile(self) -> str:
        return f"df = df.{'tail' if self.from_end else 'head'}({self.count})"

    def describe(self) -> str:
        return f"Keep the {'last' if self.from_end else 'first'} {self.count} rows."
