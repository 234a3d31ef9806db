"""The base of every cleaning operation, and the helpers that write snippet literals."""

from __future__ import annotations

import json
from abc import abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field

from modulardata.contracts.text import ColumnName, Prose

Scalar = Prose | int | float | bool
"""A cell value a user can name: text, a number or a truth value."""

TEXT_COLUMNS = 'df.select_dtypes(include=["object", "string"]).columns'
"""The snippet expression for every text column, used when an operation names no columns."""


def literal(value: Scalar | None) -> str:
    """A value as Python source (missing as `np.nan`)."""
    if value is None:
        return "np.nan"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def pattern_literal(regex: str) -> str:
    """A regex as Python source, raw where that is possible."""
    # A raw literal reads like the regex itself; fall back to an escaped one when it cannot be raw.
    if '"' in regex or "\n" in regex or regex.endswith("\\"):
        return json.dumps(regex, ensure_ascii=False)
    return f'r"{regex}"'


def char_class(characters: str) -> str:
    """A regex character class matching any of `characters`."""
    return "[" + "".join("\\" + c if c in "\\]^-" else c for c in characters) + "]"


def names_literal(columns: tuple[str, ...]) -> str:
    """Column names as a Python list literal."""
    return "[" + ", ".join(literal(c) for c in columns) + "]"


def column_ref(column: str) -> str:
    """The snippet expression for one column of `df`."""
    return f"df[{literal(column)}]"


def listing(columns: tuple[str, ...]) -> str:
    """Column names quoted for a sentence."""
    return ", ".join(f"'{c}'" for c in columns)


class CleaningOperation(BaseModel):
    """One step of a plan; subclasses set `kind` and say which fields name columns.

    A subclass with a default `kind` is an operation: it joins `OPERATIONS` by being defined.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    if TYPE_CHECKING:
        kind: str
        """The operation's name on the wire (a `Literal` in each operation)."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        kind = cls.model_fields.get("kind")
        if kind is not None and isinstance(kind.default, str):
            OPERATIONS.append(cls)

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


class PerColumn(CleaningOperation):
    """An operation applied to each named column (every text column when none is named)."""

    COLUMN_FIELDS = ("columns",)

    columns: tuple[ColumnName, ...] = Field(
        default=(), description="Columns to change; empty means every text column."
    )

    def compile(self) -> str:
        if not self.columns:
            return f"for column in {TEXT_COLUMNS}:\n    {self._line('column')}"
        return "\n".join(self._line(literal(c)) for c in self.columns)

    def _line(self, column: str) -> str:
        return f"df[{column}] = {self._transform(f'df[{column}]')}"

    @abstractmethod
    def _transform(self, series: str) -> str:
        """The expression that transforms one column's `series`."""

    def _target(self) -> str:
        return listing(self.columns) if self.columns else "every text column"


OPERATIONS: list[type[CleaningOperation]] = []
"""Every operation class, in the order they were defined."""
