"""What only the PostgreSQL log adds to the contract (`test_eventlog`): a table no statement can
change or empty."""

from __future__ import annotations

from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import TaskProgressed
from modulardata.versioning import eventstore


async def test_events_cannot_be_changed_or_deleted(engine: AsyncEngine) -> None:
    session, task = uuid4(), uuid4()
    progressed = Envelope.wrap(
        TaskProgressed(task_id=task, session_id=session, stage="thinking"),
        session_id=session,
        correlation_id=task,
    )
    async with engine.begin() as conn:
        await eventstore.append(conn, "s", 0, [progressed])
    for statement in ("UPDATE events SET type = 'X'", "DELETE FROM events"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(statement))
