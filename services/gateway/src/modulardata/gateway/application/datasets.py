"""Uploading a file into a session: streamed to storage, handed to the profiler, and waited for
until read, so a file the profiler refuses is refused in the answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.contracts import topics
from modulardata.contracts.commands import IngestDataset
from modulardata.contracts.limits import DatasetLimits
from modulardata.gateway.adapters.gateway_tables import AcceptedTask
from modulardata.gateway.application import read_models
from modulardata.gateway.application.read_models import ReadModels
from modulardata.gateway.application.tasks import accept_task
from modulardata.gateway.application.upload import (
    StoredUpload,
    check_declared_length,
    receive_upload,
)
from modulardata.gateway.exceptions import Unavailable, UploadRejected
from modulardata.messaging.bus import Bus
from modulardata.readmodels.views import TaskView
from modulardata.storage import ObjectStorage
from modulardata.storage.layout import upload_key


async def upload_dataset(
    body: AsyncIterable[bytes],
    content_type: str | None,
    content_length: str | None,
    engine: AsyncEngine,
    rows: ReadModels,
    bus: Bus,
    storage: ObjectStorage,
    *,
    owner: str,
    session_id: UUID,
    limits: DatasetLimits,
    session_wait_s: float,
    upload_wait_s: float,
) -> tuple[UUID, TaskView | None]:
    """Store the file of a multipart `body` and accept its upload task; returns the task id and
    its view once read within `upload_wait_s` (None while queued), UploadRejected when the
    profiler refused the file."""
    check_declared_length(content_length, limits)
    task_id = uuid4()
    upload = await receive_upload(
        body, content_type, storage, upload_key(session_id, task_id), limits
    )
    await accept_upload(
        engine,
        rows,
        bus,
        storage,
        owner=owner,
        session_id=session_id,
        task_id=task_id,
        upload=upload,
        wait_s=session_wait_s,
    )
    view = await read_models.wait_for_task(rows, task_id, upload_wait_s)
    if view is not None and view.status == "failed":
        raise UploadRejected(
            view.error or "the file could not be read", code=view.error_code, task_id=task_id
        )
    return task_id, view


async def accept_upload(
    engine: AsyncEngine,
    rows: ReadModels,
    bus: Bus,
    storage: ObjectStorage,
    *,
    owner: str,
    session_id: UUID,
    task_id: UUID,
    upload: StoredUpload,
    wait_s: float,
) -> None:
    """Record the upload task and hand it to the profiler; if either fails, nothing remains
    (also when Kafka confirms too late, and then loses it).

    The profiler's report reaches versioning on another topic than the session's creation, so a
    session just created must be in the log first: it is waited for (Unavailable after
    `wait_s`)."""
    command = IngestDataset(
        session_id=session_id,
        upload_uri=upload.uri,
        filename=upload.filename,
        byte_size=upload.byte_size,
        content_hash=upload.content_hash,
    )
    accepted = AcceptedTask(
        task_id=task_id, session_id=session_id, owner=owner, kind="upload", filename=upload.filename
    )

    async def discard_upload() -> None:
        await asyncio.to_thread(storage.delete, upload.uri)

    if not await read_models.wait_until_projected(rows, session_id, wait_s):
        await discard_upload()
        raise Unavailable(
            f"session {session_id} is still being created; try again",
            code="session_not_ready",
            retry_after_s=1,
        )
    await accept_task(
        engine, bus, accepted, command, topics.PROFILER_COMMANDS, discard=discard_upload
    )
