"""Operations on text: trim, case, replace, split, concatenate, extract."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from modulardata.contracts.operations.base import (
    CleaningOperation,
    PerColumn,
    Scalar,
    column_ref,
    listing,
    literal,
    names_literal,
    pattern_literal,
)
from modulardata.contracts.text import ColumnName, NewColumnName, Prose


class TrimWhitespace(PerColumn):
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


class ChangeCase(PerColumn):
    """Change the letter case of text."""

    kind: Literal["change_case"] = "change_case"
    case: Literal["lower", "upper", "title", "capitalize"] = Field(description="Target case.")

    def _transform(self, series: str) -> str:
        return f"{series}.str.{self.case}()"

    def describe(self) -> str:
        return f"Convert {self._target()} to {self.case} case."


class Replacement(BaseModel):
    """One whole-value substitution."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    old: Scalar = Field(description="Value to find (the whole cell).")
    new: Scalar | None = Field(description="Value to put instead; None makes it missing.")


class ReplaceValues(PerColumn):
    """Replace whole cell values, e.g. 'DE' -> 'Germany'."""

    kind: Literal["replace_values"] = "replace_values"
    replacements: tuple[Replacement, ...] = Field(min_length=1, description="Substitutions.")

    def _transform(self, series: str) -> str:
        pairs = ", ".join(f"{literal(r.old)}: {literal(r.new)}" for r in self.replacements)
        return f"{series}.replace({{{pairs}}})"

    def describe(self) -> str:
        pairs = ", ".join(f"{literal(r.old)} with {literal(r.new)}" for r in self.replacements)
        return f"Replace {pairs} in {self._target()}."


class ReplaceText(PerColumn):
    """Replace a piece of text inside values (or remove it, with an empty replacement)."""

    kind: Literal["replace_text"] = "replace_text"
    old: Prose = Field(min_length=1, description="Text to find inside values.")
    new: Prose = Field(default="", description="Text to put instead.")

    def _transform(self, series: str) -> str:
        return f"{series}.str.replace({literal(self.old)}, {literal(self.new)}, regex=False)"

    def describe(self) -> str:
        if not self.new:
            return f"Remove {literal(self.old)} from {self._target()}."
        return f"Replace {literal(self.old)} with {literal(self.new)} in {self._target()}."


class SplitColumn(CleaningOperation):
    """Split text into several new columns on a separator."""

    COLUMN_FIELDS = ("column",)

    kind: Literal["split_column"] = "split_column"
    column: ColumnName = Field(description="Column to split.")
    into: tuple[NewColumnName, ...] = Field(min_length=2, description="Names of the new columns.")
    separator: Prose | None = Field(
        default=None, description="Separator; None splits on runs of whitespace."
    )
    drop_original: bool = Field(default=False, description="Remove the split column after.")

    def compile(self) -> str:
        pattern = f"{literal(self.separator)}, " if self.separator is not None else ""
        n = len(self.into) - 1
        parts = f"{column_ref(self.column)}.str.split({pattern}n={n}, expand=True)"
        code = f"df[{names_literal(self.into)}] = {parts}.reindex(columns=range({n + 1}))"
        if self.drop_original:
            code += f"\ndf = df.drop(columns=[{literal(self.column)}])"
        return code

    def describe(self) -> str:
        on = f"on {literal(self.separator)}" if self.separator is not None else "on spaces"
        return f"Split '{self.column}' {on} into {listing(self.into)}."


class ConcatColumns(CleaningOperation):
    """Join several columns' text into a new column."""

    COLUMN_FIELDS = ("columns",)

    kind: Literal["concat_columns"] = "concat_columns"
    columns: tuple[ColumnName, ...] = Field(min_length=2, description="Columns to join, in order.")
    into: NewColumnName = Field(description="Name of the new column.")
    separator: Prose = Field(default=" ", description="Text put between the values.")

    def compile(self) -> str:
        first, *rest = (f'{column_ref(c)}.astype("str")' for c in self.columns)
        others = "[" + ", ".join(rest) + "]"
        return (
            f"df[{literal(self.into)}] = {first}.str.cat({others}, sep={literal(self.separator)})"
        )

    def describe(self) -> str:
        return f"Join {listing(self.columns)} into '{self.into}'."


class ExtractPattern(CleaningOperation):
    """Copy the part of text matched by a regular expression's first group into a column."""

    COLUMN_FIELDS = ("column",)

    kind: Literal["extract_pattern"] = "extract_pattern"
    column: ColumnName = Field(description="Column to read.")
    pattern: Prose = Field(description="Regular expression with one capture group.")
    into: NewColumnName = Field(description="Column receiving the match.")

    @field_validator("pattern")
    @classmethod
    def _one_group(cls, pattern: str) -> str:
        if re.compile(pattern).groups < 1:
            raise ValueError("the pattern needs a capture group")
        return pattern

    def compile(self) -> str:
        source = (
            f"{column_ref(self.column)}.str.extract({pattern_literal(self.pattern)}, expand=False)"
        )
        return f"df[{literal(self.into)}] = {source}"

    def describe(self) -> str:
        return f"Extract {literal(self.pattern)} from '{self.column}' into '{self.into}'."
