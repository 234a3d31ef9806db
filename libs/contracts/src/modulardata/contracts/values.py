"""Small value objects carried inside messages."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ColumnSchema(BaseModel):
    """One column of a stored dataset version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="Column name as stored.")
    dtype: str = Field(description="Arrow type of the column, e.g. 'int64', 'string'.")
