"""Turning an uploaded file in storage into the Parquet version of a new node."""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path
from uuid import UUID, uuid5

from modulardata.contracts.commands import IngestDataset
from modulardata.contracts.events import DatasetIngested
from modulardata.profiler.exceptions import Unreadable
from modulardata.profiler.ingest import ingest_csv
from modulardata.storage import InvalidStorageUri, ObjectNotFound, ObjectStorage, sha256_file


def upload_node_id(task_id: UUID) -> UUID:
    """The node an upload task makes: the same for every delivery of the task's command."""
    return uuid5(task_id, "upload")


def version_key(session_id: UUID, node_id: UUID) -> str:
    """Storage key of a node's Parquet data."""
    return f"sessions/{session_id}/nodes/{node_id}.parquet"


def ingest_upload(
    storage: ObjectStorage, command: IngestDataset, node_id: UUID, *, max_rows: int | None
) -> DatasetIngested:
    """Store the upload as `node_id`'s Parquet version; storing it again overwrites the same object.

    Raises an `IngestionError` for an upload that cannot become a dataset. Storage and disk
    failures (`StorageError`, `OSError`) propagate: they are worth retrying.
    """
    with ExitStack() as stack:
        try:
            upload = stack.enter_context(storage.local_copy(command.upload_uri))
        except (ObjectNotFound, InvalidStorageUri) as exc:
            raise Unreadable("the uploaded file is no longer in storage") from exc
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="profiler-")))
        parquet = workdir / "version.parquet"
        result = ingest_csv(upload, parquet, max_rows=max_rows)
        content_hash = sha256_file(parquet)
        storage_uri = storage.put_file(version_key(command.session_id, node_id), parquet)
    return DatasetIngested(
        session_id=command.session_id,
        node_id=node_id,
        filename=command.filename,
        upload_uri=command.upload_uri,
        storage_uri=storage_uri,
        content_hash=content_hash,
        row_count=result.row_count,
        column_count=result.column_count,
        columns=result.columns,
    )
