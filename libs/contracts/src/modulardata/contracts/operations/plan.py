"""Any operation (a discriminated union on `kind`) and the `Plan` that lists them in order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

# Defining an operation registers it: these modules hold them all.
from modulardata.contracts.operations import (  # noqa: F401
    columns,
    conversions,
    missing,
    rows,
    text,
)
from modulardata.contracts.operations.base import OPERATIONS, CleaningOperation
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


if TYPE_CHECKING:
    Operation = CleaningOperation
else:
    Operation = Annotated[Union[tuple(OPERATIONS)], Field(discriminator="kind")]  # noqa: UP007
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
