"""Running a transformation on a stored version and storing its result as a new version."""

from __future__ import annotations

import logging
import tempfile
from contextlib import ExitStack
from pathlib import Path
from uuid import UUID, uuid5

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from modulardata.contracts.commands import ExecuteTransformation
from modulardata.contracts.events import TransformationExecuted, TransformationFailed
from modulardata.contracts.text import escaped
from modulardata.contracts.values import ColumnSchema
from modulardata.executor.exceptions import ParentMissing
from modulardata.executor.recent_versions import RecentVersions
from modulardata.messaging.steps import StepFailed
from modulardata.sandbox.exceptions import ResultRejected
from modulardata.sandbox.sandbox import Sandbox
from modulardata.storage import InvalidStorageUri, ObjectNotFound, ObjectStorage, sha256_file
from modulardata.storage.layout import version_key
from modulardata.storage.versionfile import write_version

log = logging.getLogger(__name__)


def transformation_node_id(task_id: UUID) -> UUID:
    """The node a transformation task makes: the same for every delivery of its command."""
    return uuid5(task_id, "transformation")


def execute_transformation(
    storage: ObjectStorage,
    sandbox: Sandbox,
    command: ExecuteTransformation,
    node_id: UUID,
    *,
    timeout_s: float,
    memory_mb: int,
    recent: RecentVersions,
) -> TransformationExecuted:
    """Run the command's snippet on its parent version (from `recent` when it is kept there)
    and store the result as `node_id`, kept in `recent` too; StepFailed (with the reason) if
    the parent is gone, the snippet fails or its result is refused.

    Storing again overwrites the same object, so a redelivered command changes nothing.
    Storage and disk failures (`StorageError`, `OSError`) propagate: they are worth retrying.
    """
    parent = recent.get(command.parent_storage_uri) or _load(storage, command.parent_storage_uri)
    result = sandbox.execute(command.code, parent, timeout_s=timeout_s, memory_mb=memory_mb)
    if not result.ok or result.df is None:
        raise StepFailed(result.error or "the snippet failed")
    try:
        table = version_table(result.df)
        columns = version_columns(table)
    except ResultRejected as exc:
        raise StepFailed(str(exc)) from exc
    with tempfile.TemporaryDirectory(prefix="executor-") as workdir:
        parquet = Path(workdir) / "version.parquet"
        write_version(table, parquet)
        content_hash = sha256_file(parquet)
        storage_uri = storage.put_file(version_key(command.session_id, node_id), parquet)
        _keep_as_stored(recent, storage_uri, table, pq.read_schema(parquet))
    return TransformationExecuted(
        session_id=command.session_id,
        parent_node_id=command.parent_node_id,
        node_id=node_id,
        storage_uri=storage_uri,
        content_hash=content_hash,
        row_count=table.num_rows,
        column_count=table.num_columns,
        columns=columns,
        code=command.code,
        chat_message_id=command.chat_message_id,
    )


def version_table(df: pd.DataFrame) -> pa.Table:
    """`df` as a canonical version: named index levels become columns, an unnamed index is
    dropped, labels become text, and no pandas metadata is kept."""
    if any(name is not None for name in df.index.names):
        df = df.reset_index()
    labels = [
        "_".join(str(part) for part in label if str(part))
        if isinstance(label, tuple)
        else str(label)
        for label in df.columns
    ]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise ResultRejected(f"the result has repeated column names: {', '.join(duplicates)}")
    flat = df.set_axis(labels, axis=1)
    table = pa.Table.from_pandas(flat, preserve_index=False)
    return table.replace_schema_metadata(None)


def version_columns(table: pa.Table) -> tuple[ColumnSchema, ...]:
    """The table's columns as the events carry them; `ResultRejected` for a name or a type no
    event can hold (a NUL, a lone surrogate, or longer than the contracts allow)."""
    columns: list[ColumnSchema] = []
    for position, field in enumerate(table.schema, start=1):
        try:
            columns.append(ColumnSchema(name=field.name, dtype=str(field.type)))
        except ValidationError as exc:
            problem = exc.errors()[0]
            raise ResultRejected(
                f"column {position} of the result ({escaped(field.name, 80)!r}) cannot be "
                f"stored, {problem['loc'][0]}: {problem['msg']}"
            ) from None
    return tuple(columns)


def _keep_as_stored(recent: RecentVersions, uri: str, table: pa.Table, stored: pa.Schema) -> None:
    """Keep the table as reading its file back gives it (a type Parquet stores as another, such
    as a dictionary of large strings, becomes that one); not at all if it cannot be."""
    try:
        recent.keep(uri, table if table.schema == stored else table.cast(stored))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        log.info("version %s is not kept in memory: its stored schema differs", uri)


def _load(storage: ObjectStorage, uri: str) -> pa.Table:
    with ExitStack() as stack:
        try:
            path = stack.enter_context(storage.local_copy(uri))
        except (ObjectNotFound, InvalidStorageUri):
            raise ParentMissing("the version to transform is no longer in storage") from None
        return pq.read_table(path)


def transformation_failed(command: ExecuteTransformation, error: str) -> TransformationFailed:
    """The failure event of the command's transformation."""
    return TransformationFailed(
        session_id=command.session_id,
        parent_node_id=command.parent_node_id,
        code=command.code,
        error=error,
        chat_message_id=command.chat_message_id,
    )
