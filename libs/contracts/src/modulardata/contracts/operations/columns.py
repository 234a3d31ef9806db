"""Operations on the set of columns: rename, drop, select, move, derive, add."""

from __future__ import annotations

import ast
import re
from typing import Literal, Self

from pydantic import Field, field_validator

from modulardata.contracts.operations.base import (
    CleaningOperation,
    Scalar,
    column_ref,
    listing,
    literal,
    names_literal,
)
from modulardata.contracts.text import ColumnName, NewColumnName, Prose


class RenameColumn(CleaningOperation):
    """Give a column a new name."""

    COLUMN_FIELDS = ("column",)

    kind: Literal["rename_column"] = "rename_column"
    column: ColumnName = Field(description="Current name.")
    new_name: NewColumnName = Field(description="New name.")

    def compile(self) -> str:
        return f"df = df.rename(columns={{{literal(self.column)}: {literal(self.new_name)}}})"

    def describe(self) -> str:
        return f"Rename '{self.column}' to '{self.new_name}'."


class DropColumns(CleaningOperation):
    """Remove columns."""

    COLUMN_FIELDS = ("columns",)

    kind: Literal["drop_columns"] = "drop_columns"
    columns: tuple[ColumnName, ...] = Field(min_length=1, description="Columns to remove.")

    def compile(self) -> str:
        return f"df = df.drop(columns={names_literal(self.columns)})"

    def describe(self) -> str:
        return f"Drop the column(s) {listing(self.columns)}."


class SelectColumns(CleaningOperation):
    """Keep only some columns, in the given order."""

    COLUMN_FIELDS = ("columns",)

    kind: Literal["select_columns"] = "select_columns"
    columns: tuple[ColumnName, ...] = Field(min_length=1, description="Columns to keep, in order.")

    def compile(self) -> str:
        return f"df = df[{names_literal(self.columns)}]"

    def describe(self) -> str:
        return f"Keep only {listing(self.columns)}."


class MoveColumn(CleaningOperation):
    """Move one column to the front or the end."""

    COLUMN_FIELDS = ("column",)

    kind: Literal["move_column"] = "move_column"
    column: ColumnName = Field(description="Column to move.")
    position: Literal["first", "last"] = Field(description="Where it goes.")

    def compile(self) -> str:
        name = literal(self.column)
        rest = f"[c for c in df.columns if c != {name}]"
        order = f"[{name}] + {rest}" if self.position == "first" else f"{rest} + [{name}]"
        return f"df = df[{order}]"

    def describe(self) -> str:
        return f"Move '{self.column}' to the {'front' if self.position == 'first' else 'end'}."


_ARITHMETIC_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Subscript, ast.Name, ast.Load,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.USub, ast.UAdd,
)  # fmt: skip


class DeriveColumn(CleaningOperation):
    """Compute a column from arithmetic on other columns, e.g. `price` * `quantity`.

    Column names are written in backticks; numbers, + - * / // % ** and parentheses are allowed.
    """

    kind: Literal["derive_column"] = "derive_column"
    column: NewColumnName = Field(description="Column to create or overwrite.")
    expression: Prose = Field(description="Arithmetic with `column` names in backticks.")

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
        return f"{column_ref(self.column)} = {_expand(self.expression)}"

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
    return re.sub(r"`([^`]+)`", lambda m: column_ref(m.group(1)), expression)


class AddConstantColumn(CleaningOperation):
    """Add a column holding the same value in every row."""

    kind: Literal["add_constant_column"] = "add_constant_column"
    column: NewColumnName = Field(description="Column to create or overwrite.")
    value: Scalar | None = Field(description="The value; None makes an empty column.")

    def compile(self) -> str:
        return f"{column_ref(self.column)} = {literal(self.value)}"

    def describe(self) -> str:
        return f"Set '{self.column}' to {literal(self.value)} in every row."


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
