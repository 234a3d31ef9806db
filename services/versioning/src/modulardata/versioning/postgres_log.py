"""The event log in PostgreSQL behind the `EventLog` port: one database transaction per unit of
work, over the `events`, `processed_messages`, `session_keys` and `dead_letters` tables."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from modulardata.contracts.deadletters import MessageDeadLettered
from modulardata.contracts.envelope import Envelope
from modulardata.versioning import deadletters, eventstore, sessionkeys
from modulardata.versioning.eventlog import RecordedEvent


class PostgresLog:
    """The log on an engine: each transaction is one `engine.begin()`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresTransaction]:
        """A database transaction: committed when the block ends, rolled back when it raises."""
        async with self._engine.begin() as conn:
            yield PostgresTransaction(conn)


class PostgresTransaction:
    """One database transaction's view of the log (sealing, NOTIFY and locks as `eventstore`)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def append(
        self, stream_id: str, expected_version: int, envelopes: Sequence[Envelope]
    ) -> int:
        return await eventstore.append(self._conn, stream_id, expected_version, envelopes)

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        return await eventstore.read_stream(self._conn, stream_id, after_version)

    async def read_after(self, position: int, limit: int) -> list[RecordedEvent]:
        return await eventstore.read_after(self._conn, position, limit)

    async def mark_processed(self, consumer: str, message_id: UUID) -> bool:
        return await eventstore.mark_processed(self._conn, consumer, message_id)

    async def is_shredded(self, session_id: UUID) -> bool:
        return await sessionkeys.is_shredded(self._conn, session_id)

    async def shred(self, session_id: UUID) -> None:
        await sessionkeys.shred(self._conn, session_id)

    async def record_dead_letter(
        self, dead_letter_id: UUID, at: datetime, dead: MessageDeadLettered
    ) -> bool:
        return await deadletters.record(self._conn, dead_letter_id, at, dead)

    async def purge_dead_letters(self, session_id: UUID) -> None:
        await deadletters.purge_session(self._conn, session_id)
