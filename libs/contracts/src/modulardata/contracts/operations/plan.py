"""Any operation (a discriminated union on `kind`) and the `Plan` that lists them in order."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from modulardata.contracts.operations.base import (
    CleaningOperation,
)
from modulardata.contracts.operations.columns import (
    AddConstantColumn,
    DeriveColumn,
    DropColumns,
    MoveColumn,
    RenameColumn,
    RenameColumnsStyle,
    SelectColumns,
)
from modulardata.contracts.operations.conversions import (
    CastType,
    ExtractDatePart,
    FormatDatetime,
    RoundNumbers,
    ToBoolean,
    ToDatetime,
    ToNumeric,
)
from modulardata.contracts.operations.missing import (
    DropEmptyColumns,
    DropNulls,
    DropSparseColumns,
    FillNulls,
    StandardizeMissing,
)
from modulardata.contracts.operations.rows import (
    ClipValues,
    DropDuplicates,
    FilterRows,
    LimitRows,
    RemoveOutliers,
    SetMissingWhere,
    SortRows,
)
from modulardata.contracts.operations.text import (
    ChangeCase,
    ConcatColumns,
    ExtractPattern,
    ReplaceText,
    ReplaceValues,
    SplitColumn,
    TrimWhitespace,
)
from modulardata.contracts.text import Code, Prose


class CustomSnippet(CleaningOperation):
    """Code the crew wrote and the Tester checked, for requests no typed operation covers."""

    kind: Literal["custom_snippet"] = "custom_snippet"
    code: Code = Field(min_length=1, description="The pandas snippet; it reads and sets `df`.")
    description: Prose = Field(description="What it does, in one sentence.")

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
