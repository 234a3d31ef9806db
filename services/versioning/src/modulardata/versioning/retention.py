"""Deleting sessions left idle past the retention period, exactly as their owner's DELETE would.

A session is idle while nothing happens to it: its row and its tasks' rows in the read models
(every event of a session or of its tasks touches one of them) have not changed since.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.contracts.commands import DeleteSession
from modulardata.contracts.envelope import Envelope

_DAY_S = 86_400

_IDLE = text(
    "SELECT s.session_id FROM sessions s"
    " WHERE greatest(s.updated_at,"
    " (SELECT max(t.updated_at) FROM tasks t WHERE t.session_id = s.session_id))"
    " < now() - make_interval(secs => :idle_s)"
)


async def delete_idle_sessions(
    engine: AsyncEngine, handle: Callable[[Envelope], Awaitable[None]], retention_days: float
) -> int:
    """Delete every session idle for longer than `retention_days`; returns how many."""
    async with engine.connect() as conn:
        idle = list((await conn.execute(_IDLE, {"idle_s": retention_days * _DAY_S})).scalars())
    for session_id in idle:
        command = DeleteSession(session_id=session_id, reason="retention")
        await handle(Envelope.wrap(command, session_id=session_id, correlation_id=uuid4()))
    return len(idle)
