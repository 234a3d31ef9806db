"""The outbox relay: publishes the event log to Kafka in log order, from a checkpoint, and the
commands the tasks' steps send.

Publishing and advancing the checkpoint are not atomic, so after a crash the last batch may be
published again: delivery is at least once and consumers dedupe on `message_id`. The checkpoint
row is locked while a batch is relayed, so two relays never interleave.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.contracts import topics
from modulardata.messaging.bus import Bus
from modulardata.versioning import eventstore
from modulardata.versioning.taskworkflow import commands_for

log = logging.getLogger(__name__)

CHECKPOINT = "kafka"


async def relay_batch(engine: AsyncEngine, bus: Bus, batch_size: int) -> int:
    """Publish the next events after the checkpoint; returns how many were published."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO relay_checkpoints (name, position) VALUES (:n, 0)"
                " ON CONFLICT DO NOTHING"
            ),
            {"n": CHECKPOINT},
        )
        result = await conn.execute(
            text("SELECT position FROM relay_checkpoints WHERE name = :n FOR UPDATE"),
            {"n": CHECKPOINT},
        )
        events = await eventstore.read_after(conn, int(result.scalar_one()), batch_size)
        messages = [
            message
            for recorded in events
            for message in [(recorded.envelope, topics.EVENTS), *commands_for(recorded.envelope)]
        ]
        await bus.publish_in_order(messages)
        if events:
            await conn.execute(
                text("UPDATE relay_checkpoints SET position = :p WHERE name = :n"),
                {"p": events[-1].position, "n": CHECKPOINT},
            )
        return len(events)
