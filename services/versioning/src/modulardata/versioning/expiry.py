"""Failing session tasks that went silent, so one lost reply cannot block a session for good.

A task is silent when its row in the read model has not changed for the timeout (every stage
reached changes it). The expiry goes through the handlers like any message: it only fails the
task if it is still its session's running one, so a late sweep or a queued task is harmless.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.contracts.commands import ExpireTask
from modulardata.contracts.envelope import Envelope

_SILENT = text(
    "SELECT task_id, session_id, stage, updated_at,"
    " extract(epoch FROM now() - updated_at) AS waited"
    " FROM tasks WHERE status IN ('queued', 'running')"
    " AND updated_at < now() - make_interval(secs => :timeout)"
)


async def expire_silent_tasks(
    engine: AsyncEngine, handle: Callable[[Envelope], Awaitable[None]], timeout_s: float
) -> int:
    """Send an expiry for every unfinished task silent for `timeout_s`; returns how many."""
    async with engine.connect() as conn:
        rows = (await conn.execute(_SILENT, {"timeout": timeout_s})).all()
    for row in rows:
        expire = ExpireTask(
            session_id=row.session_id,
            task_id=row.task_id,
            stage=row.stage,
            silent_since=row.updated_at,
            waited_s=row.waited,
        )
        await handle(Envelope.wrap(expire, session_id=row.session_id, correlation_id=row.task_id))
    return len(rows)
