"""The append-only event log in PostgreSQL: one table, optimistic concurrency per stream.

Writers hold a transaction-scoped advisory lock while they append, so global positions become
visible in order: a reader following the log by position never skips an event that commits late.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from modulardata.contracts.envelope import Envelope
from modulardata.versioning.exceptions import ConcurrencyConflict
from modulardata.versioning.following import CHANNEL

_APPEND_LOCK = 7_264_001  # arbitrary, fixed: the advisory lock key serialising appends

SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS events (
        position       BIGSERIAL PRIMARY KEY,
        stream_id      TEXT        NOT NULL,
        stream_version INTEGER     NOT NULL CHECK (stream_version >= 1),
        event_id       UUID        NOT NULL UNIQUE,
        type           TEXT        NOT NULL,
        schema_version INTEGER     NOT NULL,
        payload        JSONB       NOT NULL,
        metadata       JSONB       NOT NULL,
        recorded_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE (stream_id, stream_version)
    )
    """,
    """
    CREATE OR REPLACE FUNCTION events_are_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'the event log is append-only';
    END $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS events_append_only ON events",
    """
    CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only()
    """,
    """
    CREATE TABLE IF NOT EXISTS processed_messages (
        consumer     TEXT        NOT NULL,
        message_id   UUID        NOT NULL,
        processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, message_id)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS relay_checkpoints (
        name     TEXT PRIMARY KEY,
        position BIGINT NOT NULL
    )
    """,
)


@dataclass(frozen=True)
class RecordedEvent:
    """An event as the log holds it: its envelope and where it sits."""

    position: int
    stream_id: str
    stream_version: int
    envelope: Envelope
    recorded_at: datetime


def _metadata(envelope: Envelope) -> dict[str, Any]:
    return envelope.model_dump(mode="json", exclude={"type", "schema_version", "payload"})


def _recorded(row: Any) -> RecordedEvent:
    envelope = Envelope(
        type=row.type, schema_version=row.schema_version, payload=row.payload, **row.metadata
    )
    return RecordedEvent(row.position, row.stream_id, row.stream_version, envelope, row.recorded_at)


_SELECT = (
    "SELECT position, stream_id, stream_version, type, schema_version, payload, metadata,"
    " recorded_at FROM events"
)


async def create_schema(conn: AsyncConnection) -> None:
    """Create the log's tables if they are missing."""
    await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _APPEND_LOCK})
    for statement in SCHEMA:
        await conn.execute(text(statement))


async def stream_version(conn: AsyncConnection, stream_id: str) -> int:
    """The version of a stream: how many events it holds (0 when it does not exist)."""
    result = await conn.execute(
        text("SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = :s"),
        {"s": stream_id},
    )
    return int(result.scalar_one())


async def append(
    conn: AsyncConnection, stream_id: str, expected_version: int, envelopes: Sequence[Envelope]
) -> int:
    """Append to a stream that must be at `expected_version`; returns the stream's new version.

    Runs inside the caller's transaction, so several streams can be appended atomically.
    """
    await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _APPEND_LOCK})
    actual = await stream_version(conn, stream_id)
    if actual != expected_version:
        raise ConcurrencyConflict(stream_id, expected_version, actual)
    for offset, envelope in enumerate(envelopes, start=1):
        await conn.execute(
            text(
                "INSERT INTO events (stream_id, stream_version, event_id, type, schema_version,"
                " payload, metadata) VALUES (:stream, :version, :event_id, :type, :schema,"
                " cast(:payload AS jsonb), cast(:metadata AS jsonb))"
            ),
            {
                "stream": stream_id,
                "version": expected_version + offset,
                "event_id": envelope.message_id,
                "type": envelope.type,
                "schema": envelope.schema_version,
                "payload": _json(envelope.payload),
                "metadata": _json(_metadata(envelope)),
            },
        )
    # Delivered at commit: wakes the projector and the relay without waiting for their poll.
    await conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
    return expected_version + len(envelopes)


async def read_stream(
    conn: AsyncConnection, stream_id: str, after_version: int = 0
) -> list[RecordedEvent]:
    """The events of one stream after a version (every one by default), oldest first."""
    result = await conn.execute(
        text(f"{_SELECT} WHERE stream_id = :s AND stream_version > :v ORDER BY stream_version"),
        {"s": stream_id, "v": after_version},
    )
    return [_recorded(row) for row in result]


async def read_after(conn: AsyncConnection, position: int, limit: int) -> list[RecordedEvent]:
    """Up to `limit` events of the whole log after a global position, in log order."""
    result = await conn.execute(
        text(f"{_SELECT} WHERE position > :p ORDER BY position LIMIT :n"),
        {"p": position, "n": limit},
    )
    return [_recorded(row) for row in result]


async def mark_processed(conn: AsyncConnection, consumer: str, message_id: object) -> bool:
    """Record that a consumer handled a message; False when it already had (a redelivery)."""
    result = await conn.execute(
        text(
            "INSERT INTO processed_messages (consumer, message_id) VALUES (:c, :m)"
            " ON CONFLICT DO NOTHING"
        ),
        {"c": consumer, "m": message_id},
    )
    return bool(result.rowcount)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
