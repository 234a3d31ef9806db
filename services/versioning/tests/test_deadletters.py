"""Dead letters: kept once, their unfinished task failed at once (never left to time out), and
gone with their session; on the log in memory, and on PostgreSQL for the row and the view."""

from __future__ import annotations

import base64
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from modulardata.contracts.base import Message
from modulardata.contracts.commands import (
    CreateSession,
    DeleteSession,
    IngestDataset,
    PlanChatMessage,
    SendChatMessage,
)
from modulardata.contracts.deadletters import DeadLetterCode, MessageDeadLettered
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import (
    ChatMessageRecorded,
    TaskFailed,
    TaskProgressed,
    TaskStarted,
    TaskSucceeded,
    TransformationFailed,
)
from modulardata.readmodels.views import TaskView
from modulardata.versioning import deadletters, domain, projector
from modulardata.versioning.eventlog import EventLog
from modulardata.versioning.handlers import VersioningHandlers
from modulardata.versioning.memory_log import MemoryLog
from modulardata.versioning.postgres_log import PostgresLog
from services.versioning.tests.uploads import ingested

NUL_BODY = b'{"type": "SendChatMessage", "payload": {"text": "a\x00b"}}'


class Session:
    """A session with a dataset, driven through the handlers."""

    def __init__(self, handlers: VersioningHandlers, log: EventLog) -> None:
        self.id, self.handlers, self.log = uuid4(), handlers, log

    async def send(self, message: Message, task: UUID | None = None) -> Envelope:
        envelope = Envelope.wrap(message, session_id=self.id, correlation_id=task or uuid4())
        await self.handlers.handle(envelope)
        return envelope

    async def start(self) -> None:
        await self.send(CreateSession(session_id=self.id, owner="k"))
        await self.send(ingested(self.id))

    async def chat(self, text: str = "drop empty rows") -> UUID:
        task = uuid4()
        await self.send(
            SendChatMessage(session_id=self.id, chat_message_id=uuid4(), text=text), task
        )
        return task

    async def events(self, stream: str) -> list[Message]:
        async with self.log.transaction() as store:
            return [r.envelope.open() for r in await store.read_stream(stream)]


def dead_letter(
    of: Envelope,
    group_id: str,
    *,
    code: DeadLetterCode = "handler_failed",
    body: bytes | None = None,
) -> Envelope:
    """The dead letter the bus would send for `of`, given up on by `group_id`."""
    dead = MessageDeadLettered(
        topic="it.modulardata.agents.commands",
        partition=1,
        offset=42,
        group_id=group_id,
        original_type=of.type,
        original_message_id=of.message_id,
        session_id=of.session_id,
        task_id=of.correlation_id,
        code=code,
        reason="DataError('PostgreSQL text fields cannot contain NUL (\\x00) bytes')",
        attempts=3,
        body_base64=base64.b64encode(body or of.model_dump_json().encode()).decode(),
        body_truncated=False,
    )
    return Envelope.wrap(dead, session_id=of.session_id, correlation_id=of.correlation_id)


def chat_request(session_id: UUID, task: UUID) -> Envelope:
    """The command a chat task sends the agents."""
    request = PlanChatMessage(
        session_id=session_id,
        chat_message_id=uuid4(),
        text="drop empty rows",
        head_node_id=uuid4(),
        head_storage_uri="file:///h.parquet",
    )
    return Envelope.wrap(request, session_id=session_id, correlation_id=task)


def upload_command(session_id: UUID, task: UUID) -> Envelope:
    """The command an upload task sends the profiler."""
    command = IngestDataset(
        session_id=session_id,
        upload_uri="file:///raw",
        filename="c.csv",
        byte_size=3,
        content_hash="h",
    )
    return Envelope.wrap(command, session_id=session_id, correlation_id=task)


async def _task_view(engine: AsyncEngine, task: UUID) -> TaskView | None:
    while await projector.project_batch(engine, 100):
        pass
    async with AsyncSession(engine) as db:
        return await db.get(TaskView, task)


def _failure(events: list[Message]) -> TaskFailed:
    [failed] = [event for event in events if isinstance(event, TaskFailed)]
    return failed


async def test_a_running_task_fails_at_once_and_the_next_one_starts(
    memory_log: MemoryLog, memory_handlers: VersioningHandlers
) -> None:
    session = Session(memory_handlers, memory_log)
    await session.start()
    running, queued = await session.chat(), await session.chat("and trim the names")
    letter = dead_letter(chat_request(session.id, running), "modulardata-agents")

    await memory_handlers.handle(letter)
    await memory_handlers.handle(letter)  # delivered twice: one kept, one failure

    log = await session.events(domain.session_stream(session.id))
    failed = _failure(log)
    assert (failed.task_id, failed.code) == (running, "dead_lettered")
    assert "the agents service failed on it 3 times" in failed.error
    assert str(letter.message_id) in failed.error
    assert "DataError" not in failed.error and "NUL" not in failed.error, "no internals for users"
    *_, replied, last_failed, started = log
    assert isinstance(replied, ChatMessageRecorded) and replied.role == "assistant"
    assert replied.text == failed.error and last_failed == failed
    assert isinstance(started, TaskStarted) and started.task_id == queued
    assert dict(memory_log.dead_letters) == {letter.message_id: letter.open()}


async def test_a_request_versioning_gave_up_on_fails_its_task_and_keeps_its_body(
    memory_log: MemoryLog, memory_handlers: VersioningHandlers
) -> None:
    session = Session(memory_handlers, memory_log)
    await session.start()
    request = Envelope.wrap(
        SendChatMessage(session_id=session.id, chat_message_id=uuid4(), text="hi"),
        session_id=session.id,
        correlation_id=uuid4(),
    )

    await memory_handlers.handle(
        dead_letter(request, "modulardata-versioning.commands", body=NUL_BODY)
    )

    failed = _failure(await session.events(domain.task_stream(request.correlation_id)))
    assert failed.code == "dead_lettered"
    assert "the versioning service failed on it" in failed.error
    bodies = [letter.body_base64 for letter in memory_log.dead_letters.values()]
    assert [base64.b64decode(body) for body in bodies] == [NUL_BODY]


async def test_in_postgres_the_task_view_shows_the_failure_and_the_letter_is_kept_whole(
    engine: AsyncEngine, handlers: VersioningHandlers
) -> None:
    session = Session(handlers, PostgresLog(engine))
    await session.start()
    running = await session.chat()
    letter = dead_letter(chat_request(session.id, running), "modulardata-agents", body=NUL_BODY)

    await handlers.handle(letter)

    view = await _task_view(engine, running)
    assert view is not None and (view.status, view.error_code) == ("failed", "dead_lettered")
    assert view.error is not None and view.reply == view.error
    assert "the agents service failed on it 3 times" in view.error
    async with engine.connect() as conn:
        [stored] = await deadletters.latest(conn, 100)
    assert (stored.dead_letter_id, stored.task_id, stored.session_id) == (
        letter.message_id,
        running,
        session.id,
    )
    assert (stored.kafka_partition, stored.kafka_offset, stored.attempts) == (1, 42, 3)
    assert stored.body == NUL_BODY
    assert stored.replayed_at is None


async def test_an_upload_the_profiler_gave_up_on_fails_but_a_finished_one_stays(
    memory_log: MemoryLog, memory_handlers: VersioningHandlers
) -> None:
    session = Session(memory_handlers, memory_log)
    await session.start()
    reading, done = uuid4(), uuid4()
    for task in (reading, done):
        await session.send(TaskProgressed(task_id=task, session_id=session.id, stage="ingesting"))
    await session.send(ingested(session.id), done)

    for task in (reading, done):
        await memory_handlers.handle(
            dead_letter(upload_command(session.id, task), "modulardata-profiler")
        )

    failed = _failure(await session.events(domain.task_stream(reading)))
    assert failed.code == "dead_lettered"
    assert "the profiler service failed on it 3 times" in failed.error
    ended = await session.events(domain.task_stream(done))
    assert [type(event) for event in ended] == [TaskProgressed, TaskSucceeded]
    assert len(memory_log.dead_letters) == 2


async def test_a_dead_letter_of_a_finished_task_or_of_no_task_is_only_kept(
    memory_log: MemoryLog, memory_handlers: VersioningHandlers
) -> None:
    session = Session(memory_handlers, memory_log)
    await session.start()
    task = await session.chat()
    failed = TransformationFailed(
        session_id=session.id, parent_node_id=uuid4(), code="df", error="KeyError: 'x'"
    )
    await session.send(failed, task)
    before = await session.events(domain.session_stream(session.id))
    assert _failure(before).code == "transformation_failed"

    await memory_handlers.handle(dead_letter(chat_request(session.id, task), "modulardata-agents"))
    unreadable = MessageDeadLettered.model_validate(
        {**dead_letter(chat_request(session.id, task), "g").payload, "task_id": None}
    )
    await session.send(unreadable)

    assert await session.events(domain.session_stream(session.id)) == before
    assert [letter.task_id for letter in memory_log.dead_letters.values()] == [task, None]


async def test_deleting_a_session_removes_its_dead_letters_and_later_ones_are_not_kept(
    memory_log: MemoryLog, memory_handlers: VersioningHandlers
) -> None:
    doomed, kept = Session(memory_handlers, memory_log), Session(memory_handlers, memory_log)
    for session in (doomed, kept):
        await session.start()
        request = chat_request(session.id, await session.chat())
        await memory_handlers.handle(dead_letter(request, "modulardata-agents"))

    await doomed.send(DeleteSession(session_id=doomed.id, owner="k"))
    await memory_handlers.handle(
        dead_letter(chat_request(doomed.id, uuid4()), "modulardata-agents")
    )

    assert [letter.session_id for letter in memory_log.dead_letters.values()] == [kept.id]
