"""A recipe, the document that rebuilds a version from its upload, and the request replaying one."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from modulardata.contracts.operations import Plan
from modulardata.contracts.profile import RenamedColumn, SourceFormat
from modulardata.contracts.text import ColumnName, FileName, Label, Name, Prose
from modulardata.contracts.values import ColumnSchema
from modulardata.gateway.schemas.examples import RECIPE, shown


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RecipeSource(_Frozen):
    """The upload a recipe starts from, and how ingestion read it."""

    node_id: UUID = Field(description="The version the upload became (node 0).")
    filename: FileName | None = Field(description="The uploaded file's name, when known.")
    format: SourceFormat = Field(description="File format detected.")
    encoding: Label | None = Field(description="Text encoding, for text formats.")
    delimiter: Label | None = Field(description="Delimiter of a CSV or TSV.")
    header: bool | None = Field(description="Whether the first row was taken as the header.")
    sheet: Name | None = Field(description="Worksheet read, for XLSX.")
    renamed_columns: list[RenamedColumn] = Field(
        description="Blank or repeated header names made unique."
    )
    dropped_columns: list[ColumnName] = Field(
        description="Trailing empty columns dropped (a trailing delimiter's), after `columns`."
    )
    quarantined_count: int = Field(
        ge=0, description="Rows set aside because their number of values was not the header's."
    )
    columns: list[ColumnSchema] = Field(
        description="The upload's columns as read, in order, with their Arrow types."
    )


class RecipeStep(_Frozen):
    """One version made from the one before it."""

    description: Prose = Field(description="What the step did, as the version describes it.")
    message: Prose | None = Field(description="The chat message that asked for it, if any.")
    plan: Plan = Field(description="The operations the step ran, in order.")


@shown(RECIPE)
class Recipe(_Frozen):
    """Everything needed to rebuild a version from its original upload."""

    format: Literal["modulardata.recipe"] = Field(description="Marks the document as a recipe.")
    version: Literal[1] = Field(description="Version of the recipe format.")
    node_id: UUID = Field(description="The version the recipe rebuilds.")
    source: RecipeSource = Field(description="The upload the first step starts from.")
    steps: list[RecipeStep] = Field(description="The steps from the upload to the version.")


@shown({"recipe": RECIPE})
class ReplayRequest(BaseModel):
    """A recipe to replay, exactly as GET .../recipe?format=json returned it."""

    model_config = ConfigDict(extra="forbid")

    recipe: Recipe
