"""The EventLog contract, run identically on PostgreSQL (a database of its own per test) and in
memory: order, optimistic concurrency, units of work, processed-once, shredding, dead letters."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from modulardata.contracts.base import Message
from modulardata.contracts.deadletters import MessageDeadLettered
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import (
    EventShredded,
    SessionCreated,
    SessionDeleted,
    TaskProgressed,
)
from modulardata.contracts.tasks import STAGES, TaskStage
from modulardata.readmodels.engine import make_engine
from modulardata.schema.upgrade import upgrade_to_head
from modulardata.versioning.eventlog import EventLog, RecordedEvent
from modulardata.versioning.exceptions import (
    ConcurrencyConflict,
    SessionShredded,
    UnstorableEvent,
)
from modulardata.versioning.memory_log import MemoryLog
from modulardata.versioning.postgres_log import PostgresLog
from tests.support.infrastructure import Source
from tests.support.postgres import fresh_database


@pytest.fixture
async def postgres_log(infrastructure: Source) -> AsyncIterator[PostgresLog]:
    """The log in PostgreSQL, on a migrated database dropped after the test."""
    with fresh_database("eventlog") as url:
        await upgrade_to_head(url)
        engine = make_engine(url)
        try:
            yield PostgresLog(engine)
        finally:
            await engine.dispose()


@pytest.fixture(params=["memory", "postgres"])
def log(request: pytest.FixtureRequest) -> EventLog:
    """The contract's subject: each implementation in turn."""
    if request.param == "memory":
        return MemoryLog()
    subject: EventLog = request.getfixturevalue("postgres_log")
    return subject


def _event(stage: TaskStage, session: UUID | None = None) -> Envelope:
    return _wrap(TaskProgressed(task_id=uuid4(), session_id=session or uuid4(), stage=stage))


def _wrap(message: Message) -> Envelope:
    session = message.session_id  # type: ignore[attr-defined]
    return Envelope.wrap(message, session_id=session, correlation_id=uuid4())


async def _stream(log: EventLog, stream: str) -> list[RecordedEvent]:
    async with log.transaction() as store:
        return await store.read_stream(stream)


def _dead_letter(session: UUID) -> MessageDeadLettered:
    return MessageDeadLettered(
        topic="modulardata.agents.commands",
        partition=0,
        offset=7,
        group_id="modulardata-agents",
        session_id=session,
        code="handler_failed",
        reason="KeyError('x')",
        attempts=3,
        body_base64=base64.b64encode(b"{}").decode(),
        body_truncated=False,
    )


async def test_appended_events_read_back_in_order(log: EventLog) -> None:
    first, second, other = _event("thinking"), _event("testing"), _event("executing")
    async with log.transaction() as store:
        assert await store.append("s-1", 0, [first, second]) == 2
        assert await store.append("s-2", 0, [other]) == 1
    async with log.transaction() as store:
        stream = await store.read_stream("s-1")
        since_first = await store.read_stream("s-1", 1)
        everything = await store.read_after(0, 100)
        tail = await store.read_after(everything[0].position, 100)
        limited = await store.read_after(0, 2)
    assert [r.envelope for r in stream] == [first, second]
    assert [r.stream_version for r in stream] == [1, 2]
    assert [r.envelope for r in since_first] == [second]
    assert [r.envelope for r in everything] == [first, second, other]
    assert [(r.stream_id, r.stream_version) for r in everything] == [
        ("s-1", 1),
        ("s-1", 2),
        ("s-2", 1),
    ]
    assert [r.envelope for r in tail] == [second, other]
    assert [r.envelope for r in limited] == [first, second]
    assert all(a.position < b.position for a, b in zip(everything, everything[1:], strict=False))
    assert stream[0].envelope.open() == first.open()
    assert stream[0].recorded_at.tzinfo is not None


async def test_a_stale_expected_version_is_a_conflict(log: EventLog) -> None:
    async with log.transaction() as store:
        await store.append("s", 0, [_event("thinking")])
    for stale in (0, 2):
        with pytest.raises(ConcurrencyConflict, match="stream s is at version 1"):
            async with log.transaction() as store:
                await store.append("s", stale, [_event("testing")])
    stages = [r.envelope.payload["stage"] for r in await _stream(log, "s")]
    assert stages == ["thinking"]


async def test_of_concurrent_writers_at_one_version_exactly_one_wins(log: EventLog) -> None:
    async def write(stage: TaskStage) -> bool:
        try:
            async with log.transaction() as store:
                await store.append("race", 0, [_event(stage)])
                await asyncio.sleep(0.05)  # hold the transaction open while the others try
            return True
        except ConcurrencyConflict:
            return False

    outcomes = await asyncio.gather(*(write(stage) for stage in STAGES[:5]))
    assert outcomes.count(True) == 1
    assert len(await _stream(log, "race")) == 1


async def test_a_transaction_that_raises_leaves_nothing_behind(log: EventLog) -> None:
    session, message, letter = uuid4(), uuid4(), uuid4()
    async with log.transaction() as store:
        await store.append("kept", 0, [_event("thinking", session)])
    with pytest.raises(RuntimeError, match="handler failed"):
        async with log.transaction() as store:
            await store.append("kept", 1, [_event("testing", session)])
            await store.append("dropped", 0, [_event("testing", session)])
            assert await store.mark_processed("versioning", message)
            assert await store.record_dead_letter(letter, datetime.now(UTC), _dead_letter(session))
            await store.shred(session)
            assert [r.envelope.type for r in await store.read_stream("kept")] == [
                EventShredded.TYPE,
                EventShredded.TYPE,
            ]
            raise RuntimeError("handler failed")
    async with log.transaction() as store:
        assert [r.stream_version for r in await store.read_after(0, 100)] == [1]
        assert [r.envelope.type for r in await store.read_stream("kept")] == [TaskProgressed.TYPE]
        assert not await store.is_shredded(session)
        assert await store.mark_processed("versioning", message)
        assert await store.record_dead_letter(letter, datetime.now(UTC), _dead_letter(session))
        assert await store.append("kept", 1, [_event("testing", session)]) == 2


async def test_a_message_is_processed_once_per_consumer(log: EventLog) -> None:
    message = uuid4()
    async with log.transaction() as store:
        assert await store.mark_processed("versioning", message)
        assert not await store.mark_processed("versioning", message)
    async with log.transaction() as store:
        assert not await store.mark_processed("versioning", message)
        assert await store.mark_processed("another-consumer", message)
        assert await store.mark_processed("versioning", uuid4())


async def test_a_shredded_sessions_events_read_as_tombstones_in_their_place(
    log: EventLog,
) -> None:
    doomed, kept = uuid4(), uuid4()
    created = _wrap(SessionCreated(session_id=doomed, owner="k", name="Alice's salaries"))
    deleted = _wrap(SessionDeleted(session_id=doomed, reason="requested", objects_removed=2))
    progressed, other = _event("testing", doomed), _event("thinking", kept)
    async with log.transaction() as store:
        await store.append("doomed", 0, [created, progressed])
        await store.append("kept", 0, [other])
        await store.append("doomed", 2, [deleted])
        await store.shred(doomed)
        await store.shred(doomed)  # again: still shredded, nothing else changes
        await store.shred(never_seen := uuid4())
    async with log.transaction() as store:
        assert await store.is_shredded(doomed) and await store.is_shredded(never_seen)
        assert not await store.is_shredded(kept)
        logged = await store.read_after(0, 100)
        [*tombstones, last] = await store.read_stream("doomed")
    assert [r.stream_id for r in logged] == ["doomed", "doomed", "kept", "doomed"]
    assert [r.envelope.open() for r in tombstones] == [
        EventShredded(session_id=doomed, shredded_type=SessionCreated.TYPE),
        EventShredded(session_id=doomed, shredded_type=TaskProgressed.TYPE),
    ]
    assert [r.envelope.message_id for r in tombstones] == [
        created.message_id,
        progressed.message_id,
    ]
    assert tombstones[0].envelope.correlation_id == created.correlation_id
    assert last.envelope == deleted, "SessionDeleted is stored in clear"
    assert logged[2].envelope == other
    with pytest.raises(SessionShredded):
        async with log.transaction() as store:
            await store.append("doomed", 3, [_event("thinking", doomed)])
    async with log.transaction() as store:
        again = _wrap(SessionDeleted(session_id=doomed, reason="retention", objects_removed=0))
        assert await store.append("doomed", 3, [again]) == 4


async def test_text_the_read_models_cannot_hold_is_refused(log: EventLog) -> None:
    session = uuid4()
    for name in ("a\x00b", "lone \udc80"):
        # Unvalidated, as a writer that checks less (an older release, a bug) would send it.
        created = _wrap(SessionCreated.model_construct(session_id=session, owner="k", name=name))
        with pytest.raises(UnstorableEvent, match="SessionCreated .* payload.name"):
            async with log.transaction() as store:
                await store.append(f"session-{session}", 0, [created])
    async with log.transaction() as store:
        assert await store.read_after(0, 10) == []


async def test_a_dead_letter_is_kept_once_and_goes_with_its_session(log: EventLog) -> None:
    doomed, kept = uuid4(), uuid4()
    letters = {uuid4(): doomed, uuid4(): doomed, uuid4(): kept}
    async with log.transaction() as store:
        for letter, session in letters.items():
            assert await store.record_dead_letter(letter, datetime.now(UTC), _dead_letter(session))
        assert not await store.record_dead_letter(
            next(iter(letters)), datetime.now(UTC), _dead_letter(doomed)
        )
    async with log.transaction() as store:
        await store.purge_dead_letters(doomed)
    async with log.transaction() as store:
        # A purged letter can be kept again; the other session's is still there.
        kept_again = [
            await store.record_dead_letter(letter, datetime.now(UTC), _dead_letter(session))
            for letter, session in letters.items()
        ]
    assert kept_again == [True, True, False]
