"""Turning an uploaded file in storage into the Parquet version of a new node, and its profile."""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path
from uuid import UUID, uuid5

from modulardata.contracts.commands import IngestDataset
from modulardata.contracts.events import DatasetIngested, DatasetProfiled
from modulardata.contracts.limits import DatasetLimits
from modulardata.contracts.values import ColumnSchema
from modulardata.ingestion.exceptions import Unreadable
from modulardata.profiler.pipeline import convert_upload
from modulardata.profiling.profiles import profiled, store_profile
from modulardata.storage import InvalidStorageUri, ObjectNotFound, ObjectStorage, sha256_file
from modulardata.storage.layout import profile_key, version_key


def upload_node_id(task_id: UUID) -> UUID:
    """The node an upload task makes: the same for every delivery of the task's command."""
    return uuid5(task_id, "upload")


def ingest_upload(
    storage: ObjectStorage, command: IngestDataset, node_id: UUID, *, limits: DatasetLimits
) -> tuple[DatasetIngested, DatasetProfiled]:
    """Store the upload as `node_id`'s Parquet version and its profile, both in one pass.

    Storing them again overwrites the same objects with the same content. Raises an
    `IngestionError` for an upload that cannot become a dataset. Storage and disk failures
    (`StorageError`, `OSError`) propagate: they are worth retrying.
    """
    session_id = command.session_id
    with ExitStack() as stack:
        try:
            upload = stack.enter_context(storage.local_copy(command.upload_uri))
        except (ObjectNotFound, InvalidStorageUri) as exc:
            raise Unreadable("the uploaded file is no longer in storage") from exc
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="profiler-")))
        parquet = workdir / "version.parquet"
        ingested, profile = convert_upload(
            upload, parquet, filename=command.filename, workdir=workdir, limits=limits
        )
        content_hash = sha256_file(parquet)
        storage_uri = storage.put_file(version_key(session_id, node_id), parquet)
    profile_uri = store_profile(storage, profile_key(session_id, node_id), profile)
    columns = tuple(
        ColumnSchema(name=field.name, dtype=str(field.type)) for field in ingested.table.schema
    )
    version = DatasetIngested(
        session_id=session_id,
        node_id=node_id,
        filename=command.filename,
        upload_uri=command.upload_uri,
        storage_uri=storage_uri,
        content_hash=content_hash,
        row_count=ingested.table.num_rows,
        column_count=len(columns),
        columns=columns,
    )
    return version, profiled(session_id, node_id, profile_uri, profile)
