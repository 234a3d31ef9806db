"""Operations that change a column's type or format: numbers, dates, booleans, rounding."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from modulardata.contracts.operations.base import (
    CleaningOperation,
    PerColumn,
    char_class,
    column_ref,
    literal,
    pattern_literal,
)
from modulardata.contracts.text import ColumnName, Label, NewColumnName, Prose


class ToNumeric(PerColumn):
    """Read text as numbers, stripping symbols such as '$' and ','; unreadable values go missing."""

    kind: Literal["to_numeric"] = "to_numeric"
    strip_characters: Prose = Field(
        default="", description="Characters removed before parsing, e.g. '$,%'."
    )

    def _transform(self, series: str) -> str:
        if self.strip_characters:
            pattern = pattern_literal(char_class(self.strip_characters))
            series = f'{series}.str.replace({pattern}, "", regex=True)'
        return f'pd.to_numeric({series}, errors="coerce")'

    def describe(self) -> str:
        stripped = (
            f" after removing {literal(self.strip_characters)}" if self.strip_characters else ""
        )
        return f"Convert {self._target()} to numbers{stripped}."


class ToDatetime(PerColumn):
    """Parse dates written in any (mixed) format; unreadable values go missing."""

    kind: Literal["to_datetime"] = "to_datetime"
    date_format: Label | None = Field(
        default=None, description="strftime format of every value; None accepts mixed formats."
    )
    day_first: bool = Field(default=False, description="Read 01/02 as 1 February.")

    def _transform(self, series: str) -> str:
        fmt = literal(self.date_format) if self.date_format else '"mixed"'
        day_first = ", dayfirst=True" if self.day_first else ""
        return f'pd.to_datetime({series}, format={fmt}{day_first}, errors="coerce")'

    def describe(self) -> str:
        return f"Convert {self._target()} to dates."


class FormatDatetime(PerColumn):
    """Write dates as text in one format, e.g. '%Y-%m-%d'."""

    kind: Literal["format_datetime"] = "format_datetime"
    date_format: Label = Field(default="%Y-%m-%d", description="strftime format to write.")

    def _transform(self, series: str) -> str:
        parsed = f'pd.to_datetime({series}, format="mixed", errors="coerce")'
        return f"{parsed}.dt.strftime({literal(self.date_format)})"

    def describe(self) -> str:
        return f"Write the dates in {self._target()} as {literal(self.date_format)}."


_DTYPES = {
    "integer": "Int64",
    "float": "float64",
    "string": "str",
    "boolean": "boolean",
    "category": "category",
}


class CastType(PerColumn):
    """Change a column's type as it is (use `to_numeric` or `to_datetime` to parse text)."""

    kind: Literal["cast_type"] = "cast_type"
    dtype: Literal["integer", "float", "string", "boolean", "category"] = Field(
        description="Target type."
    )

    def _transform(self, series: str) -> str:
        return f"{series}.astype({literal(_DTYPES[self.dtype])})"

    def describe(self) -> str:
        return f"Change {self._target()} to type {self.dtype}."


class ToBoolean(PerColumn):
    """Read yes/no style text as true/false; other values go missing."""

    kind: Literal["to_boolean"] = "to_boolean"
    true_values: tuple[Prose, ...] = Field(
        default=("yes", "y", "true", "t", "1"), description="Lower-case text meaning true."
    )
    false_values: tuple[Prose, ...] = Field(
        default=("no", "n", "false", "f", "0"), description="Lower-case text meaning false."
    )

    def _transform(self, series: str) -> str:
        mapping = ", ".join(
            [f"{literal(v)}: True" for v in self.true_values]
            + [f"{literal(v)}: False" for v in self.false_values]
        )
        return (
            f'{series}.astype("str").str.strip().str.lower().map({{{mapping}}}).astype("boolean")'
        )

    def describe(self) -> str:
        return f"Convert {self._target()} to true/false."


class RoundNumbers(PerColumn):
    """Round numbers to some decimal places."""

    kind: Literal["round_numbers"] = "round_numbers"
    decimals: int = Field(default=0, ge=0, le=15, description="Decimal places to keep.")

    def _transform(self, series: str) -> str:
        return f"{series}.round({self.decimals})"

    def describe(self) -> str:
        return f"Round {self._target()} to {self.decimals} decimal place(s)."


class ExtractDatePart(CleaningOperation):
    """Put the year, month, day, weekday or quarter of a date column in a new column."""

    COLUMN_FIELDS = ("column",)

    kind: Literal["extract_date_part"] = "extract_date_part"
    column: ColumnName = Field(description="Date column (text is parsed first).")
    part: Literal["year", "month", "day", "weekday", "quarter"] = Field(description="Part.")
    into: NewColumnName = Field(description="Column receiving the part.")

    def compile(self) -> str:
        accessor = "day_name()" if self.part == "weekday" else self.part
        parsed = f'pd.to_datetime({column_ref(self.column)}, format="mixed", errors="coerce")'
        return f"df[{literal(self.into)}] = {parsed}.dt.{accessor}"

    def describe(self) -> str:
        return f"Put the {self.part} of '{self.column}' in '{self.into}'."
