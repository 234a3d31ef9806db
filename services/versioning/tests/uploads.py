"""An ingested upload for the versioning tests, with only what a test cares about to say."""

from __future__ import annotations

from uuid import UUID, uuid4

from modulardata.contracts.events import DatasetIngested
from modulardata.contracts.values import ColumnSchema


def ingested(
    session_id: UUID,
    *,
    node_id: UUID | None = None,
    rows: int = 2,
    columns: tuple[ColumnSchema, ...] = (),
    storage_uri: str = "file:///upload.parquet",
) -> DatasetIngested:
    """The profiler's report of an upload read into node `node_id` (a new id by default)."""
    return DatasetIngested(
        session_id=session_id,
        node_id=node_id or uuid4(),
        filename="c.csv",
        upload_uri="file:///raw",
        storage_uri=storage_uri,
        content_hash="h",
        row_count=rows,
        column_count=len(columns),
        columns=columns,
    )
