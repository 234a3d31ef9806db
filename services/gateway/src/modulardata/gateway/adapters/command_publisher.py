"""Publishing the gateway's commands: what was accepted is recorded first, and nothing of it
remains when its command will not arrive; a publish Kafka does not confirm is a 503."""

from __future__ import annotations

import logging
from uuid import UUID

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from modulardata.contracts.envelope import Envelope
from modulardata.gateway.exceptions import Unavailable
from modulardata.messaging.bus import Bus, PublishUnconfirmed, Undo

log = logging.getLogger(__name__)


async def record_then_publish(
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
    await publish(bus, envelope, base_topic, see=see, task_id=task_id, if_lost=forget)


async def publish(
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
