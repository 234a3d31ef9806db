"""The append-only event log in PostgreSQL: one table, optimistic concurrency per stream.

Writers hold a transaction-scoped advisory lock while they append, so global positions become
visible in order: a reader following the log by position never skips an event that commits late.
Payloads are stored sealed with their session's key (`sealing`); once a session is deleted its
key is gone and its events read as `EventShredded` tombstones, in their place in the log.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from modulardata.contracts.envelope import Envelope
from modulardata.versioning import eventlog, sealing, sessionkeys
from modulardata.versioning.eventlog import RecordedEvent
from modulardata.versioning.exceptions import ConcurrencyConflict
from modulardata.versioning.following import CHANNEL

_APPEND_LOCK = 7_264_001  # arbitrary, fixed: the advisory lock key serialising appends


def _recorded(row: Any) -> RecordedEvent:
    if row.sealed is not None and row.key is None:
        envelope = eventlog.tombstone(row.type, row.metadata)
    else:
        payload = (
            row.payload if row.sealed is None else sealing.unseal(row.key, row.sealed, row.event_id)
        )
        envelope = Envelope(
            type=row.type, schema_version=row.schema_version, payload=payload, **row.metadata
        )
    return RecordedEvent(row.position, row.stream_id, row.stream_version, envelope, row.recorded_at)


_SELECT = (
    "SELECT e.position, e.stream_id, e.stream_version, e.event_id, e.type, e.schema_version,"
    " e.payload, e.sealed, k.key, e.metadata, e.recorded_at FROM events e"
    " LEFT JOIN session_keys k"
    " ON e.sealed IS NOT NULL AND k.session_id = cast(e.metadata->>'session_id' AS uuid)"
)


async def stream_version(conn: AsyncConnection, stream_id: str) -> int:
    """The version of a stream: how many events it holds (0 when it does not exist)."""
    result = await conn.execute(
        text("SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = :s"),
        {"s": stream_id},
    )
    return int(result.scalar_one())


_INSERT = text(
    "INSERT INTO events (stream_id, stream_version, event_id, type, schema_version, payload,"
    " sealed, metadata) VALUES (:stream, :version, :event_id, :type, :schema,"
    " cast(:payload AS jsonb), :sealed, cast(:metadata AS jsonb))"
)


async def append(
    conn: AsyncConnection, stream_id: str, expected_version: int, envelopes: Sequence[Envelope]
) -> int:
    """Append to a stream that must be at `expected_version`; returns the stream's new version.

    Runs inside the caller's transaction, so several streams can be appended atomically. An
    event with text the read models could not hold is refused (`UnstorableEvent`): sealed, it
    would be stored, and then stop the projector.
    """
    eventlog.refuse_unstorable(envelopes)
    keys = {
        session_id: await sessionkeys.sealing_key(conn, session_id)
        for session_id in {
            e.session_id for e in envelopes if e.type not in eventlog.STORED_IN_CLEAR
        }
    }
    await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _APPEND_LOCK})
    actual = await stream_version(conn, stream_id)
    if actual != expected_version:
        raise ConcurrencyConflict(stream_id, expected_version, actual)
    rows = []
    for offset, envelope in enumerate(envelopes, start=1):
        payload, sealed = _stored_payload(envelope, keys.get(envelope.session_id))
        rows.append(
            {
                "stream": stream_id,
                "version": expected_version + offset,
                "event_id": envelope.message_id,
                "type": envelope.type,
                "schema": envelope.schema_version,
                "payload": payload,
                "sealed": sealed,
                "metadata": _json(eventlog.stored_metadata(envelope)),
            }
        )
    # One executemany: psycopg pipelines the rows, a round trip for all of them.
    await conn.execute(_INSERT, rows)
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


def _stored_payload(envelope: Envelope, key: bytes | None) -> tuple[str, bytes | None]:
    """The plaintext and sealed columns of an event: sealed with `key` unless stored in clear."""
    if key is None:
        return _json(envelope.payload), None
    return "{}", sealing.seal(key, envelope.payload, envelope.message_id)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
