"""The event log in memory, keeping the promises of the PostgreSQL one, for tests without a
database.

Transactions run one at a time (a lock held from begin to end, as PostgreSQL's append lock
serialises writers); each writes straight into the log and keeps how to undo it, so a block that
raises leaves nothing behind. Events are kept as the columns PostgreSQL holds (the payload as
JSON text) and read back from them; an event that PostgreSQL would seal reads as a tombstone
once its session is shredded.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from types import MappingProxyType
from typing import Any
from uuid import UUID

from modulardata.contracts.deadletters import MessageDeadLettered
from modulardata.contracts.envelope import Envelope
from modulardata.versioning import eventlog
from modulardata.versioning.eventlog import RecordedEvent
from modulardata.versioning.exceptions import ConcurrencyConflict, SessionShredded


@dataclass(frozen=True)
class _Row:
    """One event as the `events` table would hold it."""

    stream_id: str
    stream_version: int
    session_id: UUID
    type: str
    schema_version: int
    payload: str
    metadata: dict[str, Any]
    sealed: bool
    recorded_at: datetime


@dataclass
class _Contents:
    """Everything the log holds; `events[i]` is at position i + 1."""

    events: list[_Row] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)
    processed: set[tuple[str, UUID]] = field(default_factory=set)
    shredded: set[UUID] = field(default_factory=set)
    dead_letters: dict[UUID, MessageDeadLettered] = field(default_factory=dict)


class MemoryLog:
    """An event log in this process, gone with it."""

    def __init__(self) -> None:
        self._contents = _Contents()
        self._lock = asyncio.Lock()

    @property
    def dead_letters(self) -> Mapping[UUID, MessageDeadLettered]:
        """The dead letters kept, by id, in the order they were kept."""
        return MappingProxyType(self._contents.dead_letters)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[MemoryTransaction]:
        """The only transaction running: kept when the block ends, undone when it raises."""
        async with self._lock:
            work = MemoryTransaction(self._contents)
            try:
                yield work
            except BaseException:
                work.undo()
                raise


class MemoryTransaction:
    """One transaction on a `MemoryLog`: its writes, and how to take each back."""

    def __init__(self, contents: _Contents) -> None:
        self._contents = contents
        self._undo: list[Callable[[], object]] = []

    def undo(self) -> None:
        """Take back every write of this transaction, the latest first."""
        for step in reversed(self._undo):
            step()
        self._undo.clear()

    async def append(
        self, stream_id: str, expected_version: int, envelopes: Sequence[Envelope]
    ) -> int:
        eventlog.refuse_unstorable(envelopes)
        contents = self._contents
        for envelope in envelopes:
            if envelope.type not in eventlog.STORED_IN_CLEAR and (
                envelope.session_id in contents.shredded
            ):
                raise SessionShredded(envelope.session_id)
        actual = contents.versions.get(stream_id, 0)
        if actual != expected_version:
            raise ConcurrencyConflict(stream_id, expected_version, actual)
        start, existed = len(contents.events), stream_id in contents.versions
        now = datetime.now(UTC)
        contents.events += [
            _Row(
                stream_id=stream_id,
                stream_version=expected_version + offset,
                session_id=envelope.session_id,
                type=envelope.type,
                schema_version=envelope.schema_version,
                payload=json.dumps(envelope.payload),
                metadata=eventlog.stored_metadata(envelope),
                sealed=envelope.type not in eventlog.STORED_IN_CLEAR,
                recorded_at=now,
            )
            for offset, envelope in enumerate(envelopes, start=1)
        ]
        contents.versions[stream_id] = expected_version + len(envelopes)

        def take_back() -> None:
            del contents.events[start:]
            if existed:
                contents.versions[stream_id] = expected_version
            else:
                del contents.versions[stream_id]

        self._undo.append(take_back)
        return expected_version + len(envelopes)

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        return [
            self._recorded(position, row)
            for position, row in enumerate(self._contents.events, start=1)
            if row.stream_id == stream_id and row.stream_version > after_version
        ]

    async def read_after(self, position: int, limit: int) -> list[RecordedEvent]:
        rows = self._contents.events[position : position + limit]
        return [self._recorded(at, row) for at, row in enumerate(rows, start=position + 1)]

    async def mark_processed(self, consumer: str, message_id: UUID) -> bool:
        return self._add(self._contents.processed, (consumer, message_id))

    async def is_shredded(self, session_id: UUID) -> bool:
        return session_id in self._contents.shredded

    async def shred(self, session_id: UUID) -> None:
        self._add(self._contents.shredded, session_id)

    async def record_dead_letter(
        self, dead_letter_id: UUID, at: datetime, dead: MessageDeadLettered
    ) -> bool:
        kept = self._contents.dead_letters
        if dead_letter_id in kept:
            return False
        kept[dead_letter_id] = dead
        self._undo.append(partial(kept.pop, dead_letter_id))
        return True

    async def purge_dead_letters(self, session_id: UUID) -> None:
        kept = self._contents.dead_letters
        purged = {i: letter for i, letter in kept.items() if letter.session_id == session_id}
        for letter_id in purged:
            del kept[letter_id]
        self._undo.append(partial(kept.update, purged))

    def _add(self, into: set[Any], item: Any) -> bool:
        if item in into:
            return False
        into.add(item)
        self._undo.append(partial(into.discard, item))
        return True

    def _recorded(self, position: int, row: _Row) -> RecordedEvent:
        if row.sealed and row.session_id in self._contents.shredded:
            envelope = eventlog.tombstone(row.type, row.metadata)
        else:
            envelope = Envelope(
                type=row.type,
                schema_version=row.schema_version,
                payload=json.loads(row.payload),
                **row.metadata,
            )
        return RecordedEvent(position, row.stream_id, row.stream_version, envelope, row.recorded_at)
