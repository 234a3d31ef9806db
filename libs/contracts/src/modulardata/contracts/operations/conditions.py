"""Row conditions, as used by filters: one comparison on one column."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from modulardata.contracts.operations.base import (
    Scalar,
    column_ref,
    literal,
    pattern_literal,
)
from modulardata.contracts.text import ColumnName

ConditionOp = Literal[
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "between",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "matches",
    "not_matches",
    "in",
    "not_in",
    "is_null",
    "not_null",
]

_COMPARISONS = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_WORDS = {
    "eq": "is",
    "ne": "is not",
    "gt": "is greater than",
    "ge": "is at least",
    "lt": "is less than",
    "le": "is at most",
    "between": "is between",
    "contains": "contains",
    "not_contains": "does not contain",
    "starts_with": "starts with",
    "ends_with": "ends with",
    "matches": "matches",
    "not_matches": "does not match",
    "in": "is one of",
    "not_in": "is not one of",
    "is_null": "is missing",
    "not_null": "is present",
}


class Condition(BaseModel):
    """A test on one column's values, compiled to a boolean mask."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    column: ColumnName = Field(description="Column tested.")
    op: ConditionOp = Field(description="The comparison.")
    value: Scalar | tuple[Scalar, ...] | None = Field(
        default=None, description="Operand: one value, two for 'between', a list for 'in'."
    )
    as_number: bool = Field(
        default=False, description="Read the column as numbers first (text columns)."
    )
    ignore_case: bool = Field(
        default=False, description="Compare text ignoring case and surrounding spaces."
    )

    def mask(self) -> str:
        """The boolean expression selecting the rows that pass."""
        series = column_ref(self.column)
        if self.as_number:
            series = f'pd.to_numeric({series}, errors="coerce")'
        if self.ignore_case:
            series = f"{series}.str.strip().str.lower()"
        value = self._operand()
        match self.op:
            case "is_null":
                return f"{series}.isna()"
            case "not_null":
                return f"{series}.notna()"
            case "between":
                low, high = value if isinstance(value, tuple) else (value, value)
                return f"{series}.between({literal(low)}, {literal(high)})"
            case "in" | "not_in":
                values = value if isinstance(value, tuple) else (value,)
                listed = "[" + ", ".join(literal(v) for v in values) + "]"
                return f"{'~' if self.op == 'not_in' else ''}{series}.isin({listed})"
            case "contains" | "not_contains":
                negate = "~" if self.op == "not_contains" else ""
                return f"{negate}{series}.str.contains({_scalar(value)}, regex=False, na=False)"
            case "starts_with" | "ends_with":
                method = "startswith" if self.op == "starts_with" else "endswith"
                return f"{series}.str.{method}({_scalar(value)}, na=False)"
            case "matches" | "not_matches":
                negate = "~" if self.op == "not_matches" else ""
                return f"{negate}{series}.str.fullmatch({pattern_literal(str(value))}, na=False)"
            case _:
                return f"{series} {_COMPARISONS[self.op]} {_scalar(value)}"

    def _operand(self) -> Scalar | tuple[Scalar, ...] | None:
        if self.ignore_case and isinstance(self.value, str):
            return self.value.strip().lower()
        if self.ignore_case and isinstance(self.value, tuple):
            return tuple(v.strip().lower() if isinstance(v, str) else v for v in self.value)
        return self.value

    def describe(self) -> str:
        """The condition in words, e.g. "'age' is greater than 30"."""
        text = f"'{self.column}' {_WORDS[self.op]}"
        if self.op in ("is_null", "not_null"):
            return text
        if isinstance(self.value, tuple):
            return f"{text} {' and '.join(literal(v) for v in self.value)}"
        return f"{text} {literal(self.value)}"


def _scalar(value: Scalar | tuple[Scalar, ...] | None) -> str:
    if isinstance(value, tuple):
        return literal(value[0]) if value else '""'
    return literal(value)
