"""Typed cleaning operations and the `Plan` that lists them.

Each operation compiles to a short, readable pandas snippet that reads and reassigns `df` (the
snippet may also use `pd` and `np`, which the executor's sandbox provides). A version stores its
plan, so a session's history is a recipe that can be replayed step by step.
"""

from __future__ import annotations

import ast
import json
import re
from abc import abstractmethod
from typing import Annotated, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

Scalar = str | int | float | bool
"""A cell value a user can name: text, a number or a truth value."""

TEXT_COLUMNS = 'df.select_dtypes(include=["object", "string"]).columns'
"""The snippet expression for every text column, used when an operation names no columns."""


def _literal(value: Scalar | None) -> str:
    if value is None:
        return "np.nan"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def _pattern(regex: str) -> str:
    # A raw literal reads like the regex itself; fall back to an escaped one when it cannot be raw.
    if '"' in regex or "\n" in regex or regex.endswith("\\"):
        return json.dumps(regex, ensure_ascii=False)
    return f'r"{regex}"'


def _char_class(characters: str) -> str:
    return "[" + "".join("\\" + c if c in "\\]^-" else c for c in characters) + "]"


def _names(columns: tuple[str, ...]) -> str:
    return "[" + ", ".join(_literal(c) for c in columns) + "]"


def _col(column: str) -> str:
    return f"df[{_literal(column)}]"


def _listing(columns: tuple[str, ...]) -> str:
    return ", ".join(f"'{c}'" for c in columns)


class CleaningOperation(BaseModel):
    """One step of a plan; subclasses set `kind` and say which fields name columns."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    COLUMN_FIELDS: ClassVar[tuple[str, ...]] = ()
    """Fields holding a column name (or a tuple of them); `retarget` rewrites exactly these."""

    @abstractmethod
    def compile(self) -> str:
        """The pandas snippet that applies this operation to `df`."""

    @abstractmethod
    def describe(self) -> str:
        """One plain-English sentence saying what the operation does."""

    def referenced_columns(self) -> tuple[str, ...]:
        """The existing columns the operation reads or changes, in order, without repeats."""
        names: list[str] = []
        for name in self.COLUMN_FIELDS:
            value = getattr(self, name)
            names.extend([value] if isinstance(value, str) else value)
        return tuple(dict.fromkeys(names))

    def retarget(self, mapping: dict[str, str]) -> Self:
        """The same operation applied to other columns (`mapping`: old name -> new name)."""
        updates: dict[str, object] = {}
        for name in self.COLUMN_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str):
                updates[name] = mapping.get(value, value)
            elif isinstance(value, tuple):
                updates[name] = tuple(mapping.get(v, v) for v in value)
        return self.model_copy(update=updates)


class _PerColumn(CleaningOperation):
    """An operation applied to each named column (every text column when none is named)."""

    COLUMN_FIELDS = ("columns",)

    columns: tuple[str, ...] = Field(
        default=(), description="Columns to change; empty means every text column."
    )

    def compile(self) -> str:
        if not self.columns:
            return f"for column in {TEXT_COLUMNS}:\n    {self._line('column')}"
        return "\n".join(self._line(_literal(c)) for c in self.columns)

    def _line(self, column: str) -> str:
        return f"df[{column}] = {self._transform(f'df[{column}]')}"

    @abstractmethod
    def _transform(self, series: str) -> str:
        """The expression that transforms one column's `series`."""

    def _target(self) -> str:
        return _listing(self.columns) if self.columns else "every text column"


class DropNulls(CleaningOperation):
    """Drop rows with missing values."""

    COLUMN_FIELDS = ("columns",)

    kind: Literal["drop_nulls"] = "drop_nulls"
    columns: tuple[str, ...] = Field(
        default=(), description="Columns to look at; empty means every column."
    )
    how: Literal["any", "all"] = Field(
        default="any", description="Drop a row when any (or all) of those columns is missing."
    )

    def compile(self) -> str:
        args = [f"subset={_names(self.columns)}"] if self.columns else []
        if self.how == "all":
            args.append('how="all"')
        return f"df = df.dropna({', '.join(args)})"

    def describe(self) -> str:
        where = f"in {_listing(self.columns)}" if self.columns else "anywhere"
        if self.how == "all":
            return f"Drop rows where every value {where} is missing."
        return f"Drop rows with a missing value {where}."


FillStrategy = Literal["value", "mean", "median", "mode", "forward", "backward"]


class FillNulls(CleaningOperation):
    """Fill missing values with a constant or a statistic of the column."""

    COLUMN_FIELDS = ("columns",)

    kind: Literal["fill_nulls"] = "fill_nulls"
    columns: tuple[str, ...] = Field(min_length=1, description="Columns to fill.")
    strategy: FillStrategy = Field(description="What to fill with.")
    value: Scalar | None = Field(default=None, description="The constant, for strategy 'value'.")

    def compile(self) -> str:
        return "\n".join(f"{_col(c)} = {self._fill(_col(c))}" for c in self.columns)

    def _fill(self, series: str) -> str:
        match self.strategy:
            case "value":
                return f"{series}.fillna({_literal(self.value)})"
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
            "value": f"{_literal(self.value)}",
            "mean": "the column's mean",
            "median": "the column's median",
            "mode": "the most common value",
            "forward": "the previous row's value",
            "backward": "the next row's value",
        }[self.strategy]
        return f"Fill missing values in {_listing(self.columns)} with {how}."


class TrimWhitespace(_PerColumn):
    """Remove spaces around text (and optionally runs of spaces inside it)."""

    kind: Literal["trim_whitespace"] = "trim_whitespace"
    collapse_inner: bool = Field(
        default=False, description="Also turn runs of inner whitespace into one space."
    )

    def _transform(self, series: str) -> str:
        if self.collapse_inner:
            return f'{series}.str.replace(r"\\s+", " ", regex=True).str.strip()'
        return f"{series}.str.strip()"

    def describe(self) -> str:
        return f"Trim surrounding whitespace in {self._target()}."


class ChangeCase(_PerColumn):
    """Change the letter case of text."""

    kind: Literal["change_case"] = "change_case"
    case: Literal["lower", "upper", "title", "capitalize"] = Field(description="Target case.")

    def _transform(self, series: str) -> str:
        return f"{series}.str.{self.case}()"

    def describe(self) -> str:
        return f"Convert {self._target()} to {self.case} case."


class RenameColumn(CleaningOperation):
    """Give a column a new name."""

    COLUMN_FIELDS = ("column",)

    kind: Literal["rename_column"] = "rename_column"
    column: str = Field(description="Current name.")
    new_name: str = Field(min_length=1, description="New name.")

    def compile(self) -> str:
        return f"df = df.rename(columns={{{_literal(self.column)}: {_literal(self.new_name)}}})"

    def describe(self) -> str:
        return f"Rename '{self.column}' to '{self.new_name}'."


class DropColumns(CleaningOperation):
    """Remove columns."""

    COLUMN_FIELDS = ("columns",)

    kind: Literal["drop_columns"] = "drop_columns"
    columns: tuple[str, ...] = Field(min_length=1, description="Columns to remove.")

    def compile(self) -> str:
        return f"df = df.drop(columns={_names(self.columns)})"

    def describe(self) -> str:
        return f"Drop the column(s) {_listing(self.columns)}."


class SelectColumns(CleaningOperation):
    """Keep only some columns, in the given order."""

    COLUMN_FIELDS = ("columns",)

    kind: Literal["select_columns"] = "select_columns"
    columns: tuple[str, ...] = Field(min_length=1, description="Columns to keep, in order.")

    def compile(self) -> str:
        return f"df = df[{_names(self.columns)}]"

    def describe(self) -> str:
        return f"Keep only {_listing(self.columns)}."


class MoveColumn(CleaningOperation):
    """Move one column to the front or the end."""

    COLUMN_FIELDS = ("column",)

    kind: Literal["move_column"] = "move_column"
    column: str = Field(description="Column to move.")
    position: Literal["first", "last"] = Field(description="Where it goes.")

    def compile(self) -> str:
        name = _literal(self.column)
        rest = f"[c for c in df.columns if c != {name}]"
        order = f"[{name}] + {rest}" if self.position == "first" else f"{rest} + [{name}]"
        return f"df = df[{order}]"

    def describe(self) -> str:
        return f"Move '{self.column}' to the {'front' if self.position == 'first' else 'end'}."


class DropDuplicates(CleaningOperation):
    """Remove repeated rows, comparing all columns or a subset."""

    COLUMN_FIELDS = ("columns",)

    kind: Literal["drop_duplicates"] = "drop_duplicates"
    columns: tuple[str, ...] = Field(
        default=(), description="Columns that identify a duplicate; empty means all."
    )
    keep: Literal["first", "last"] = Field(default="first", description="Which copy to keep.")

    def compile(self) -> str:
        args = [f"subset={_names(self.columns)}"] if self.columns else []
        if self.keep == "last":
            args.append('keep="last"')
        return f"df = df.drop_duplicates({', '.join(args)})"

    def describe(self) -> str:
        by = f" by {_listing(self.columns)}" if self.columns else ""
        return f"Remove duplicate rows{by}, keeping the {self.keep} one."


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

    column: str = Field(description="Column tested.")
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
        series = _col(self.column)
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
                return f"{series}.between({_literal(low)}, {_literal(high)})"
            case "in" | "not_in":
                values = value if isinstance(value, tuple) else (value,)
                listed = "[" + ", ".join(_literal(v) for v in values) + "]"
                return f"{'~' if self.op == 'not_in' else ''}{series}.isin({listed})"
            case "contains" | "not_contains":
                negate = "~" if self.op == "not_contains" else ""
                return f"{negate}{series}.str.contains({_scalar(value)}, regex=False, na=False)"
            case "starts_with" | "ends_with":
                method = "startswith" if self.op == "starts_with" else "endswith"
                return f"{series}.str.{method}({_scalar(value)}, na=False)"
            case "matches" | "not_matches":
                negate = "~" if self.op == "not_matches" else ""
                return f"{negate}{series}.str.fullmatch({_pattern(str(value))}, na=False)"
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
            return f"{text} {' and '.join(_literal(v) for v in self.value)}"
        return f"{text} {_literal(self.value)}"


def _scalar(value: Scalar | tuple[Scalar, ...] | None) -> str:
    if isinstance(value, tuple):
        return _literal(value[0]) if value else '""'
    return _literal(value)


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
    column: str = Field(description="Column whose values become missing.")
    condition: Condition = Field(description="Rows where the value is blanked.")

    def compile(self) -> str:
        return f"df.loc[{self.condition.mask()}, {_literal(self.column)}] = np.nan"

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


class Replacement(BaseModel):
    """One whole-value substitution."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    old: Scalar = Field(description="Value to find (the whole cell).")
    new: Scalar | None = Field(description="Value to put instead; None makes it missing.")


class ReplaceValues(_PerColumn):
    """Replace whole cell values, e.g. 'DE' -> 'Germany'."""

    kind: Literal["replace_values"] = "replace_values"
    replacements: tuple[Replacement, ...] = Field(min_length=1, description="Substitutions.")

    def _transform(self, series: str) -> str:
        pairs = ", ".join(f"{_literal(r.old)}: {_literal(r.new)}" for r in self.replacements)
        return f"{series}.replace({{{pairs}}})"

    def describe(self) -> str:
        pairs = ", ".join(f"{_literal(r.old)} with {_literal(r.new)}" for r in self.replacements)
        return f"Replace {pairs} in {self._target()}."


class ReplaceText(_PerColumn):
    """Replace a piece of text inside values (or remove it, with an empty replacement)."""

    kind: Literal["replace_text"] = "replace_text"
    old: str = Field(min_length=1, description="Text to find inside values.")
    new: str = Field(default="", description="Text to put instead.")

    def _transform(self, series: str) -> str:
        return f"{series}.str.replace({_literal(self.old)}, {_literal(self.new)}, regex=False)"

    def describe(self) -> str:
        if not self.new:
            return f"Remove {_literal(self.old)} from {self._target()}."
        return f"Replace {_literal(self.old)} with {_literal(self.new)} in {self._target()}."


class StandardizeMissing(_PerColumn):
    """Turn placeholder text such as 'n/a' or '-' into real missing values."""

    kind: Literal["standardize_missing"] = "standardize_missing"
    tokens: tuple[str, ...] = Field(
        default=("n/a", "N/A", "NA", "na", "null", "NULL", "None", "none", "-", "?"),
        min_length=1,
        description="Whole cell values that mean 'missing'.",
    )

    def compile(self) -> str:
        if not self.columns:
            return f"df = df.replace({_names(self.tokens)}, np.nan)"
        return super().compile()

    def _transform(self, series: str) -> str:
        return f"{series}.replace({_names(self.tokens)}, np.nan)"

    def describe(self) -> str:
        where = _listing(self.columns) if self.columns else "every column"
        return f"Treat {_listing(self.tokens)} as missing in {where}."


class ToNumeric(_PerColumn):
    """Read text as numbers, stripping symbols such as '$' and ','; unreadable values go missing."""

    kind: Literal["to_numeric"] = "to_numeric"
    strip_characters: str = Field(
        default="", description="Characters removed before parsing, e.g. '$,%'."
    )

    def _transform(self, series: str) -> str:
        if self.strip_characters:
            pattern = _pattern(_char_class(self.strip_characters))
            series = f'{series}.str.replace({pattern}, "", regex=True)'
        return f'pd.to_numeric({series}, errors="coerce")'

    def describe(self) -> str:
        stripped = (
            f" after removing {_literal(self.strip_characters)}" if self.strip_characters else ""
        )
        return f"Convert {self._target()} to numbers{stripped}."


class ToDatetime(_PerColumn):
    """Parse dates written in any (mixed) format; unreadable values go missing."""

    kind: Literal["to_datetime"] = "to_datetime"
    date_format: str | None = Field(
        default=None, description="strftime format of every value; None accepts mixed formats."
    )
    day_first: bool = Field(default=False, description="Read 01/02 as 1 February.")

    def _transform(self, series: str) -> str:
        fmt = _literal(self.date_format) if self.date_format else '"mixed"'
        day_first = ", dayfirst=True" if self.day_first else ""
        return f'pd.to_datetime({series}, format={fmt}{day_first}, errors="coerce")'

    def describe(self) -> str:
        return f"Convert {self._target()} to dates."


class FormatDatetime(_PerColumn):
    """Write dates as text in one format, e.g. '%Y-%m-%d'."""

    kind: Literal["format_datetime"] = "format_datetime"
    date_format: str = Field(default="%Y-%m-%d", description="strftime format to write.")

    def _transform(self, series: str) -> str:
        parsed = f'pd.to_datetime({series}, format="mixed", errors="coerce")'
        return f"{parsed}.dt.strftime({_literal(self.date_format)})"

    def describe(self) -> str:
        return f"Write the dates in {self._target()} as {_literal(self.date_format)}."


_DTYPES = {
    "integer": "Int64",
    "float": "float64",
    "string": "str",
    "boolean": "boolean",
    "category": "category",
}


class CastType(_PerColumn):
    """Change a column's type as it is (use `to_numeric` or `to_datetime` to parse text)."""

    kind: Literal["cast_type"] = "cast_type"
    dtype: Literal["integer", "float", "string", "boolean", "category"] = Field(
        description="Target type."
    )

    def _transform(self, series: str) -> str:
        return f"{series}.astype({_literal(_DTYPES[self.dtype])})"

    def describe(self) -> str:
        return f"Change {self._target()} to type {self.dtype}."


class ToBoolean(_PerColumn):
    """Read yes/no style text as true/false; other values go missing."""

    kind: Literal["to_boolean"] = "to_boolean"
    true_values: tuple[str, ...] = Field(
        default=("yes", "y", "true", "t", "1"), description="Lower-case text meaning true."
    )
    false_values: tuple[str, ...] = Field(
        default=("no", "n", "false", "f", "0"), description="Lower-case text meaning false."
    )

    def _transform(self, series: str) -> str:
        mapping = ", ".join(
            [f"{_literal(v)}: True" for v in self.true_values]
            + [f"{_literal(v)}: False" for v in self.false_values]
        )
        return (
            f'{series}.astype("str").str.strip().str.lower().map({{{mapping}}}).astype("boolean")'
        )

    def describe(self) -> str:
        return f"Convert {self._target()} to true/false."


class RoundNumbers(_PerColumn):
    """Round numbers to some decimal places."""

    kind: Literal["round_numbers"] = "round_numbers"
    decimals: int = Field(default=0, ge=0, le=15, description="Decimal places to keep.")

    def _transform(self, series: str) -> str:
        return f"{series}.round({self.decimals})"

    def describe(self) -> str:
        return f"Round {self._target()} to {self.decimals} decimal place(s)."


class ClipValues(CleaningOperation):
    """Cap numbers at a lower and/or upper bound."""

    COLUMN_FIELDS = ("column",)

    kind: Literal["clip_values"] = "clip_values"
    column: str = Field(description="Numeric column to cap.")
    lower: float | None = Field(default=None, description="Smallest allowed value.")
    upper: float | None = Field(default=None, description="Largest allowed value.")

    def compile(self) -> str:
        bounds = [
            f"{name}={value!r}"
            for name, value in (("lower", self.lower), ("upper", self.upper))
            if value is not None
        ]
        return f"{_col(self.column)} = {_col(self.column)}.clip({', '.join(bounds)})"

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
    column: str = Field(description="Numeric column to test.")
    factor: float = Field(default=1.5, gt=0, description="Fence width in interquartile ranges.")

    def compile(self) -> str:
        series, k = _col(self.column), self.factor
        return (
            f"q1, q3 = {series}.quantile([0.25, 0.75])\n"
            f"low, high = q1 - {k} * (q3 - q1), q3 + {k} * (q3 - q1)\n"
            f"df = df[{series}.between(low, high) | {series}.isna()]"
        )

    def describe(self) -> str:
        return f"Remove rows whose '{self.column}' is an outlier ({self.factor:g} x IQR rule)."


class SplitColumn(CleaningOperation):
    """Split text into several new columns on a separator."""

    COLUMN_FIELDS = ("column",)

    kind: Literal["split_column"] = "split_column"
    column: str = Field(description="Column to split.")
    into: tuple[str, ...] = Field(min_length=2, description="Names of the new columns.")
    separator: str | None = Field(
        default=None, description="Separator; None splits on runs of whitespace."
    )
    drop_original: bool = Field(default=False, description="Remove the split column after.")

    def compile(self) -> str:
        pattern = f"{_literal(self.separator)}, " if self.separator is not None else ""
        n = len(self.into) - 1
        parts = f"{_col(self.column)}.str.split({pattern}n={n}, expand=True)"
        code = f"df[{_names(self.into)}] = {parts}.reindex(columns=range({n + 1}))"
        if self.drop_original:
            code += f"\ndf = df.drop(columns=[{_literal(self.column)}])"
        return code

    def describe(self) -> str:
        on = f"on {_literal(self.separator)}" if self.separator is not None else "on spaces"
        return f"Split '{self.column}' {on} into {_listing(self.into)}."


class ConcatColumns(CleaningOperation):
    """Join several columns' text into a new column."""

    COLUMN_FIELDS = ("columns",)

    kind: Literal["concat_columns"] = "concat_columns"
    columns: tuple[str, ...] = Field(min_length=2, description="Columns to join, in order.")
    into: str = Field(min_length=1, description="Name of the new column.")
    separator: str = Field(default=" ", description="Text put between the values.")

    def compile(self) -> str:
        first, *rest = (f'{_col(c)}.astype("str")' for c in self.columns)
        others = "[" + ", ".join(rest) + "]"
        return (
            f"df[{_literal(self.into)}] = {first}.str.cat({others}, sep={_literal(self.separator)})"
        )

    def describe(self) -> str:
        return f"Join {_listing(self.columns)} into '{self.into}'."


class ExtractPattern(CleaningOperation):
    """Copy the part of text matched by a regular expression's first group into a column."""

    COLUMN_FIELDS = ("column",)

    kind: Literal["extract_pattern"] = "extract_pattern"
    column: str = Field(description="Column to read.")
    pattern: str = Field(description="Regular expression with one capture group.")
    into: str = Field(min_length=1, description="Column receiving the match.")

    @field_validator("pattern")
    @classmethod
    def _one_group(cls, pattern: str) -> str:
        if re.compile(pattern).groups < 1:
            raise ValueError("the pattern needs a capture group")
        return pattern

    def compile(self) -> str:
        source = f"{_col(self.column)}.str.extract({_pattern(self.pattern)}, expand=False)"
        return f"df[{_literal(self.into)}] = {source}"

    def describe(self) -> str:
        return f"Extract {_literal(self.pattern)} from '{self.column}' into '{self.into}'."


class ExtractDatePart(CleaningOperation):
    """Put the year, month, day, weekday or quarter of a date column in a new column."""

    COLUMN_FIELDS = ("column",)

    kind: Literal["extract_date_part"] = "extract_date_part"
    column: str = Field(description="Date column (text is parsed first).")
    part: Literal["year", "month", "day", "weekday", "quarter"] = Field(description="Part.")
    into: str = Field(min_length=1, description="Column receiving the part.")

    def compile(self) -> str:
        accessor = "day_name()" if self.part == "weekday" else self.part
        parsed = f'pd.to_datetime({_col(self.column)}, format="mixed", errors="coerce")'
        return f"df[{_literal(self.into)}] = {parsed}.dt.{accessor}"

    def describe(self) -> str:
        return f"Put the {self.part} of '{self.column}' in '{self.into}'."


_ARITHMETIC_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Subscript, ast.Name, ast.Load,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.USub, ast.UAdd,
)  # fmt: skip


class DeriveColumn(CleaningOperation):
    """Compute a column from arithmetic on other columns, e.g. `price` * `quantity`.

    Column names are written in backticks; numbers, + - * / // % ** and parentheses are allowed.
    """

    kind: Literal["derive_column"] = "derive_column"
    column: str = Field(min_length=1, description="Column to create or overwrite.")
    expression: str = Field(description="Arithmetic with `column` names in backticks.")

    @field_validator("expression")
    @classmethod
    def _arithmetic_only(cls, expression: str) -> str:
        try:
            tree = ast.parse(_expand(expression), mode="eval")
        except SyntaxError as exc:
            raise ValueError(f"not an arithmetic expression: {exc.msg}") from exc
        for node in ast.walk(tree):
            if not isinstance(node, _ARITHMETIC_NODES):
                raise ValueError(
                    f"only arithmetic on columns is allowed, not {type(node).__name__}"
                )
            if isinstance(node, ast.Name) and node.id != "df":
                raise ValueError(f"write column names in backticks: `{node.id}`")
            if isinstance(node, ast.Constant) and not isinstance(node.value, int | float | str):
                raise ValueError("constants must be numbers")
        return expression

    def compile(self) -> str:
        return f"{_col(self.column)} = {_expand(self.expression)}"

    def describe(self) -> str:
        return f"Set '{self.column}' to {self.expression}."

    def referenced_columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(re.findall(r"`([^`]+)`", self.expression)))

    def retarget(self, mapping: dict[str, str]) -> Self:
        expression = re.sub(
            r"`([^`]+)`", lambda m: f"`{mapping.get(m.group(1), m.group(1))}`", self.expression
        )
        return self.model_copy(update={"expression": expression})


def _expand(expression: str) -> str:
    return re.sub(r"`([^`]+)`", lambda m: _col(m.group(1)), expression)


class AddConstantColumn(CleaningOperation):
    """Add a column holding the same value in every row."""

    kind: Literal["add_constant_column"] = "add_constant_column"
    column: str = Field(min_length=1, description="Column to create or overwrite.")
    value: Scalar | None = Field(description="The value; None makes an empty column.")

    def compile(self) -> str:
        return f"{_col(self.column)} = {_literal(self.value)}"

    def describe(self) -> str:
        return f"Set '{self.column}' to {_literal(self.value)} in every row."


class SortRows(CleaningOperation):
    """Order rows by columns; missing values go last."""

    COLUMN_FIELDS = ("columns",)

    kind: Literal["sort_rows"] = "sort_rows"
    columns: tuple[str, ...] = Field(min_length=1, description="Sort keys, most important first.")
    descending: bool = Field(default=False, description="Largest (or latest, or Z) first.")

    def compile(self) -> str:
        order = ", ascending=False" if self.descending else ""
        return f"df = df.sort_values({_names(self.columns)}{order})"

    def describe(self) -> str:
        return f"Sort rows by {_listing(self.columns)}{', descending' if self.descending else ''}."


class LimitRows(CleaningOperation):
    """Keep only the first (or last) rows."""

    kind: Literal["limit_rows"] = "limit_rows"
    count: int = Field(ge=0, description="Rows to keep.")
    from_end: bool = Field(default=False, description="Keep the last rows instead.")

    def compile(self) -> str:
        return f"df = df.{'tail' if self.from_end else 'head'}({self.count})"

    def describe(self) -> str:
        return f"Keep the {'last' if self.from_end else 'first'} {self.count} rows."


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


class RenameColumnsStyle(CleaningOperation):
    """Rewrite every column name in one style, e.g. snake_case."""

    kind: Literal["rename_columns_style"] = "rename_columns_style"
    style: Literal["snake", "lower", "upper", "title"] = Field(description="Naming style.")

    def compile(self) -> str:
        names = "df.columns.str.strip()"
        match self.style:
            case "snake":
                words = '.str.replace(r"[^0-9a-z]+", "_", regex=True).str.strip("_")'
                body = f"{names}.str.lower(){words}"
            case "title":
                body = f'{names}.str.replace("_", " ").str.title()'
            case _:
                body = f"{names}.str.{self.style}()"
        return f"df.columns = {body}"

    def describe(self) -> str:
        return f"Rename every column to {self.style} style."


class CustomSnippet(CleaningOperation):
    """Code the crew wrote and the Tester checked, for requests no typed operation covers."""

    kind: Literal["custom_snippet"] = "custom_snippet"
    code: str = Field(min_length=1, description="The pandas snippet; it reads and sets `df`.")
    description: str = Field(description="What it does, in one sentence.")

    def compile(self) -> str:
        return self.code.strip()

    def describe(self) -> str:
        return self.description


Operation = Annotated[
    DropNulls
    | FillNulls
    | TrimWhitespace
    | ChangeCase
    | RenameColumn
    | DropColumns
    | SelectColumns
    | MoveColumn
    | DropDuplicates
    | FilterRows
    | SetMissingWhere
    | ReplaceValues
    | ReplaceText
    | StandardizeMissing
    | ToNumeric
    | ToDatetime
    | FormatDatetime
    | CastType
    | ToBoolean
    | RoundNumbers
    | ClipValues
    | RemoveOutliers
    | SplitColumn
    | ConcatColumns
    | ExtractPattern
    | ExtractDatePart
    | DeriveColumn
    | AddConstantColumn
    | SortRows
    | LimitRows
    | DropSparseColumns
    | DropEmptyColumns
    | RenameColumnsStyle
    | CustomSnippet,
    Field(discriminator="kind"),
]
"""Any operation; its `kind` says which."""


class Plan(BaseModel):
    """The operations one chat message asked for, applied in order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    operations: tuple[Operation, ...] = Field(min_length=1, description="Steps, in order.")

    def compile(self) -> str:
        """The whole plan as one pandas snippet."""
        return "\n".join(op.compile() for op in self.operations)

    def describe(self) -> str:
        """The plan in plain words, one sentence per step."""
        return " ".join(op.describe() for op in self.operations)

    def referenced_columns(self) -> tuple[str, ...]:
        """Every existing column the plan reads or changes, in order, without repeats."""
        return tuple(dict.fromkeys(c for op in self.operations for c in op.referenced_columns()))

    def retarget(self, mapping: dict[str, str]) -> Plan:
        """The same plan applied to other columns."""
        return Plan(operations=tuple(op.retarget(mapping) for op in self.operations))
