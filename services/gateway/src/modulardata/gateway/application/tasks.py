"""Accepting a task: recorded for its owner, then its command sent; a session's task queues
behind the session's earlier ones (same key, same partition)."""

from __future__ import annotations

from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.contracts import topics
from modulardata.contracts.base import Message
from modulardata.contracts.envelope import Envelope
from modulardata.gateway.adapters.command_publisher import record_then_publish
from modulardata.gateway.adapters.gateway_tables import AcceptedTask
from modulardata.messaging.bus import Bus, Undo


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
    await record_then_publish(
        engine,
        bus,
        accepted,
        envelope,
        base_topic,
        see=f"GET /v1/tasks/{task_id}",
        task_id=task_id,
        discard=discard,
    )
