"""What the gateway's write endpoints do: publish a command, record what was accepted."""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID, uuid4

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from modulardata.contracts import topics
from modulardata.contracts.base import Message
from modulardata.contracts.commands import CreateSession, DeleteSession, IngestDataset
from modulardata.contracts.envelope import Envelope
from modulardata.gateway.exceptions import Unavailable
from modulardata.gateway.queries import wait_for_session, wait_until_gone
from modulardata.gateway.tables import AcceptedTask
from modulardata.gateway.upload import StoredUpload
from modulardata.messaging.bus import Bus, PublishUnconfirmed, Undo
from modulardata.storage import ObjectStorage
from modulardata.versioning.readmodels import SessionView

log = logging.getLogger(__name__)


async def create_session(
    engine: AsyncEngine, bus: Bus, owner: str, name: str | None, wait_s: float
) -> tuple[UUID, SessionView | None]:
    """Ask for a new session; returns its id and its row, or None if not projected in time."""
    session_id = uuid4()
    command = CreateSession(session_id=session_id, owner=owner, name=name)
    await _publish(
        bus,
        Envelope.wrap(command, session_id=session_id, correlation_id=uuid4()),
        topics.VERSIONING_COMMANDS,
        see=f"GET /v1/sessions/{session_id}",
    )
    return session_id, await wait_for_session(engine, session_id, wait_s)


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
) -> None:
    """Record the upload task and hand it to the profiler; if either fails, nothing remains
    (also when Kafka confirms too late, and then loses it)."""
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

    async def forget() -> None:
        async with engine.begin() as conn:
            statement = delete(AcceptedTask).where(col(AcceptedTask.task_id) == task_id)
            await conn.execute(statement)
        if discard is not None:
            await discard()

    try:
        async with AsyncSession(engine) as session:
            session.add(accepted)
            await session.commit()
    except Exception:
        if discard is not None:
            await discard()
        raise
    await _publish(bus, envelope, base_topic, see=f"GET /v1/tasks/{task_id}", if_lost=forget)


async def _publish(
    bus: Bus, envelope: Envelope, base_topic: str, *, see: str, if_lost: Undo | None = None
) -> None:
    """Publish, or Unavailable: `queue_unavailable` when the command will not arrive,
    `queue_unconfirmed` when it may (`see` says where to look before sending it again)."""
    task_id = envelope.correlation_id if if_lost is not None else None
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
