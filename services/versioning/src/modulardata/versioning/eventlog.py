"""The event log as a handler's transaction sees it, whatever holds it, and the rules it keeps.

`EventLog.transaction()` opens one unit of work: what it writes commits together when the block
ends, and nothing of it stays when the block raises. `postgres_log` is the real log;
`memory_log` keeps the same promises in memory, so handler tests need no database. Both pass
the contract suite in `services/versioning/tests/test_eventlog.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from modulardata.contracts.deadletters import MessageDeadLettered
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import EventShredded, SessionDeleted
from modulardata.versioning.exceptions import UnstorableEvent
from modulardata.versioning.storable import unstorable_texts

STORED_IN_CLEAR = frozenset({SessionDeleted.TYPE})
"""Event types never sealed: a replay must still see that a session was deleted."""


@dataclass(frozen=True)
class RecordedEvent:
    """An event as the log holds it: its envelope and where it sits."""

    position: int
    stream_id: str
    stream_version: int
    envelope: Envelope
    recorded_at: datetime


class LogTransaction(Protocol):
    """What handling one message may do to the log, all of it in one transaction."""

    async def append(
        self, stream_id: str, expected_version: int, envelopes: Sequence[Envelope]
    ) -> int:
        """Append to a stream that must be at `expected_version` (else `ConcurrencyConflict`);
        returns its new version. Refuses text the read models cannot hold (`UnstorableEvent`)
        and a sealed event of a deleted session (`SessionShredded`)."""
        ...

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        """The events of one stream after a version, oldest first; a deleted session's sealed
        events read as `EventShredded` tombstones."""
        ...

    async def read_after(self, position: int, limit: int) -> list[RecordedEvent]:
        """Up to `limit` events of the whole log after a global position, in log order."""
        ...

    async def mark_processed(self, consumer: str, message_id: UUID) -> bool:
        """Record that a consumer handled a message; False when it already had."""
        ...

    async def is_shredded(self, session_id: UUID) -> bool:
        """Whether the session's key has been destroyed (it was deleted)."""
        ...

    async def shred(self, session_id: UUID) -> None:
        """Destroy the session's key for good (also for a session that never had one)."""
        ...

    async def record_dead_letter(
        self, dead_letter_id: UUID, at: datetime, dead: MessageDeadLettered
    ) -> bool:
        """Keep a dead letter for the operators; False when it was kept already."""
        ...

    async def purge_dead_letters(self, session_id: UUID) -> None:
        """Remove every dead letter of a session."""
        ...


class EventLog(Protocol):
    """Where the events are kept: opens the transaction a message is handled in."""

    def transaction(self) -> AbstractAsyncContextManager[LogTransaction]:
        """A unit of work: committed when the block ends, rolled back when it raises."""
        ...


def stored_metadata(envelope: Envelope) -> dict[str, Any]:
    """An envelope's metadata as the log stores it beside the payload (JSON values)."""
    return envelope.model_dump(mode="json", exclude={"type", "schema_version", "payload"})


def refuse_unstorable(envelopes: Sequence[Envelope]) -> None:
    """`UnstorableEvent` for the first event with text the read models could not hold: sealed,
    it would be stored, and then stop the projector."""
    for envelope in envelopes:
        stored = {"payload": envelope.payload, "metadata": stored_metadata(envelope)}
        if paths := list(unstorable_texts(stored)):
            raise UnstorableEvent(envelope.type, paths[:5])


def tombstone(event_type: str, metadata: dict[str, Any]) -> Envelope:
    """What a sealed event of a deleted session reads back as, in its place in the log."""
    shredded = EventShredded(session_id=metadata["session_id"], shredded_type=event_type)
    return Envelope(
        type=shredded.TYPE,
        schema_version=shredded.SCHEMA_VERSION,
        payload=shredded.model_dump(mode="json"),
        **metadata,
    )
