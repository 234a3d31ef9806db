"""What the gateway's write endpoints do: publish a command, record what was accepted."""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID, uuid4

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from modulardata.contracts import topics
from modulardata.contracts.base import Message
from modulardata.contracts.commands import CreateSession, DeleteSession, IngestDataset
from modulardata.contracts.envelope import Envelope
from modulardata.gateway.adapters.gateway_tables import AcceptedSession, AcceptedTask
from modulardata.gateway.adapters.readmodel_queries import wait_until_gone, wait_until_projected
from modulardata.gateway.application.upload import StoredUpload
from modulardata.gateway.exceptions import Unavailable
from modulardata.messaging.bus import Bus, PublishUnconfirmed, Undo
from modulardata.storage import ObjectStorage

log = logging.getLogger(__name__)


async def create_session(
    engine: AsyncEngine, bus: Bus, owner: str, name: str | None
) -> AcceptedSession:
    """Record a new session and ask versioning for it: from then on the API serves it, and the
    commands sent to it queue behind its creation (same key, same partition)."""
    session_id = uuid4()
    accepted = AcceptedSession(session_id=session_id, owner=owner, name=name)
    command = CreateSession(session_id=session_id, owner=owner, name=name)
    envelope = Envelope.wrap(command, session_id=session_id, correlation_id=uuid4())
    see = f"GET /v1/sessions/{session_id}"
    await _record_then_publish(engine, bus, accepted, envelope, topics.VERSIONING_COMMANDS, see=see)
    return accepted


async def delete_session(
    engine: AsyncEngine, bus: Bus, owner: str, session_id: UUID, wait_s: float
) -> bool:
    """Ask for the session's deletion; returns whether it is gone within `wait_s`."""
    command = DeleteSession(session_id=session_id, owner=owner)
    await _publish(
        bus,
        Envelope.wrap(command, session_id=session_id, correlation_id=uuid4()),
        topics.VERSIONING_COMMANDS,
        see=f"GET /v1/sessions/{session_id}",
    )
    return await wait_until_gone(engine, session_id, wait_s)


async def accept_upload(
    engine: AsyncEngine,
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

    if not await wait_until_projected(engine, session_id, wait_s):
        await discard_upload()
        raise Unavailable(
            f"session {session_id} is still being created; try again",
            code="session_not_ready",
            retry_after_s=1,
        )
    await accept_task(
        engine, bus, accepted, command, topics.PROFILER_COMMANDS, discard=discard_upload
    )


async def accept_session_task(
    engine: AsyncEngine,
    bus: Bus,
    *,
    owner: str,
    session_id: UUID,
    kind: str,
    command: Message,
) -> UUID:
    """Record a task of the session's queue (chat, head move, replay) and hand it to versioning;
    returns the task id."""
    task_id = uuid4()
    accepted = AcceptedTask(task_id=task_id, session_id=session_id, owner=owner, kind=kind)
    await accept_task(engine, bus, accepted, command, topics.VERSIONING_COMMANDS)
    return task_id


async def accept_task(
    engine: AsyncEngine,
    bus: Bus,
    accepted: AcceptedTask,
    command: Message,
    base_topic: str,
    *,
    discard: Undo | None = None,
) -> None:
    """Record the task, then publish its command; a task that is not accepted leaves nothing:
    neither its record nor what `discard` removes."""
    task_id = accepted.task_id
    envelope = Envelope.wrap(command, session_id=accepted.session_id, correlation_id=task_id)
    await _record_then_publish(
        engine,
        bus,
        accepted,
        envelope,
        base_topic,
        see=f"GET /v1/tasks/{task_id}",
        task_id=task_id,
        discard=discard,
    )


async def _record_then_publish(
    engine: AsyncEngine,
    bus: Bus,
    record: SQLModel,
    envelope: Envelope,
    base_topic: str,
    *,
    see: str,
    task_id: UUID | None = None,
    discard: Undo | None = None,
) -> None:
    """Record what is accepted before its command is published, so the answer's ids are served
    at once; if the command will not arrive, neither the record nor what `discard` removes
    remains."""

    async def forget() -> None:
        async with AsyncSession(engine) as session:
            stored = await session.get(type(record), inspect(record).identity)
            if stored is not None:
                await session.delete(stored)
                await session.commit()
        if discard is not None:
            await discard()

    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            session.add(record)
            await session.commit()
    except Exception:
        if discard is not None:
            await discard()
        raise
    await _publish(bus, envelope, base_topic, see=see, task_id=task_id, if_lost=forget)


async def _publish(
    bus: Bus,
    envelope: Envelope,
    base_topic: str,
    *,
    see: str,
    task_id: UUID | None = None,
    if_lost: Undo | None = None,
) -> None:
    """Publish, or Unavailable: `queue_unavailable` when the command will not arrive,
    `queue_unconfirmed` when it may (`see` says where to look before sending it again, and
    `task_id` is the task it would make)."""
    try:
        await bus.publish(envelope, base_topic, if_lost=if_lost)
    except PublishUnconfirmed as exc:
        log.warning("%s to %s not confirmed in time", envelope.type, base_topic)
        raise Unavailable(
            f"the message queue has not confirmed this request in time, so it may still be "
            f"carried out: see {see} before sending it again",
            code="queue_unconfirmed",
            task_id=task_id,
        ) from exc
    except Exception as exc:
        # Whatever Kafka (or the client) failed with, the command was not accepted.
        log.exception("could not publish %s to %s", envelope.type, base_topic)
        raise Unavailable(
            "the message queue is unavailable, so nothing was accepted; try again",
            code="queue_unavailable",
        ) from exc
