"""A page of a version's rows."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field, JsonValue

from modulardata.contracts.values import ColumnSchema
from modulardata.gateway.schemas.examples import COLUMNS, ROOT_ID, ROW, shown


@shown(
    {
        "node_id": ROOT_ID,
        "columns": COLUMNS,
        "rows": [ROW],
        "offset": 0,
        "limit": 1,
        "total_rows": 21,
    }
)
class RowsPage(BaseModel):
    """A range of a version's rows; values are JSON-safe (see `json_value`)."""

    node_id: UUID = Field(description="The version the rows are of.")
    columns: list[ColumnSchema] = Field(description="Every column, in order, with its type.")
    rows: list[dict[str, JsonValue]] = Field(
        description="The rows, as column name -> value: missing values and NaN are null, "
        "timestamps and dates ISO 8601 text, decimals text, bytes base64."
    )
    offset: int = Field(description="Index of the first row shown (0-based).")
    limit: int = Field(description="Most rows asked for.")
    total_rows: int = Field(description="Rows in the version; past it, `rows` is empty.")
