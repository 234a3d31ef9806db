"""Dead letters: kept once in `dead_letters`, their unfinished task failed at once (never left
to time out), and gone with their session."""

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
from modulardata.versioning import deadletters, domain, eventstore, projector
from modulardata.versioning.deadletters import DeadLetter
from modulardata.versioning.handlers import VersioningHandlers
from services.versioning.tests.uploads import ingested

NUL_BODY = b'{"type": "SendChatMessage", "payload": {"text": "a\x00b"}}'


class Session:
    """A session with a dataset, driven through the handlers."""

    def __init__(self, engine: AsyncEngine, handlers: VersioningHandlers) -> None:
        self.id, self.engine, self.handlers = uuid4(), engine, handlers

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

    async def task_view(self, task: UUID) -> TaskView | None:
        while await projector.project_batch(self.engine, 100):
            pass
        async with AsyncSession(self.engine) as db:
            return await db.get(TaskView, task)

    async def events(self, stream: str) -> list[Message]:
        async with self.engine.connect() as conn:
            return [r.envelope.open() for r in await eventstore.read_stream(conn, stream)]


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


async def _stored(engine: AsyncEngine) -> list[DeadLetter]:
    async with engine.connect() as conn:
        return await deadletters.latest(conn, 100)


async def test_a_running_task_fails_at_once_and_the_next_one_starts(
    engine: AsyncEngine, handlers: VersioningHandlers
) -> None:
    session = Session(engine, handlers)
    await session.start()
    running, queued = await session.chat(), await session.chat("and trim the names")
    request = chat_request(session.id, running)
    letter = dead_letter(request, "modulardata-agents")

    await handlers.handle(letter)
    await handlers.handle(letter)  # delivered twice: one row, one failure

    view = await session.task_view(running)
    assert view is not None and (view.status, view.error_code) == ("failed", "dead_lettered")
    assert view.error is not None and view.reply == view.error
    assert "the agents service failed on it 3 times" in view.error
    assert str(letter.message_id) in view.error
    assert "DataError" not in view.error and "NUL" not in view.error, "no internals for users"
    log = await session.events(domain.session_stream(session.id))
    assert sum(isinstance(event, TaskFailed) for event in log) == 1
    *_, replied, failed, started = log
    assert isinstance(replied, ChatMessageRecorded) and replied.role == "assistant"
    assert isinstance(failed, TaskFailed) and failed.task_id == running
    assert isinstance(started, TaskStarted) and started.task_id == queued
    [stored] = await _stored(engine)
    assert (stored.dead_letter_id, stored.task_id, stored.session_id) == (
        letter.message_id,
        running,
        session.id,
    )
    assert (stored.kafka_partition, stored.kafka_offset, stored.attempts) == (1, 42, 3)
    assert stored.body == request.model_dump_json().encode()
    assert stored.replayed_at is None


async def test_a_request_versioning_gave_up_on_fails_its_task_and_keeps_its_body(
    engine: AsyncEngine, handlers: VersioningHandlers
) -> None:
    session = Session(engine, handlers)
    await session.start()
    request = Envelope.wrap(
        SendChatMessage(session_id=session.id, chat_message_id=uuid4(), text="hi"),
        session_id=session.id,
        correlation_id=uuid4(),
    )

    await handlers.handle(dead_letter(request, "modulardata-versioning.commands", body=NUL_BODY))

    view = await session.task_view(request.correlation_id)
    assert view is not None and (view.status, view.error_code) == ("failed", "dead_lettered")
    assert "the versioning service failed on it" in (view.error or "")
    assert [letter.body for letter in await _stored(engine)] == [NUL_BODY]


async def test_an_upload_the_profiler_gave_up_on_fails_but_a_finished_one_stays(
    engine: AsyncEngine, handlers: VersioningHandlers
) -> None:
    session = Session(engine, handlers)
    await session.start()
    reading, done = uuid4(), uuid4()
    for task in (reading, done):
        await session.send(TaskProgressed(task_id=task, session_id=session.id, stage="ingesting"))
    await session.send(ingested(session.id), done)

    for task in (reading, done):
        await handlers.handle(dead_letter(upload_command(session.id, task), "modulardata-profiler"))

    failed, succeeded = await session.task_view(reading), await session.task_view(done)
    assert failed is not None and (failed.status, failed.error_code) == ("failed", "dead_lettered")
    assert "the profiler service failed on it 3 times" in (failed.error or "")
    assert succeeded is not None and succeeded.status == "succeeded"
    ended = await session.events(domain.task_stream(done))
    assert [type(event) for event in ended] == [TaskProgressed, TaskSucceeded]


async def test_a_dead_letter_of_a_finished_task_or_of_no_task_is_only_kept(
    engine: AsyncEngine, handlers: VersioningHandlers
) -> None:
    session = Session(engine, handlers)
    await session.start()
    task = await session.chat()
    failed = TransformationFailed(
        session_id=session.id, parent_node_id=uuid4(), code="df", error="KeyError: 'x'"
    )
    await session.send(failed, task)
    before = await session.events(domain.session_stream(session.id))

    await handlers.handle(dead_letter(chat_request(session.id, task), "modulardata-agents"))
    unreadable = MessageDeadLettered.model_validate(
        {**dead_letter(chat_request(session.id, task), "g").payload, "task_id": None}
    )
    await session.send(unreadable)

    assert await session.events(domain.session_stream(session.id)) == before
    view = await session.task_view(task)
    assert view is not None and view.error_code == "transformation_failed"
    assert [letter.task_id for letter in await _stored(engine)] == [None, task]


async def test_deleting_a_session_removes_its_dead_letters_and_later_ones_are_not_kept(
    engine: AsyncEngine, handlers: VersioningHandlers
) -> None:
    doomed, kept = Session(engine, handlers), Session(engine, handlers)
    for session in (doomed, kept):
        await session.start()
        request = chat_request(session.id, await session.chat())
        await handlers.handle(dead_letter(request, "modulardata-agents"))

    await doomed.send(DeleteSession(session_id=doomed.id, owner="k"))
    await handlers.handle(dead_letter(chat_request(doomed.id, uuid4()), "modulardata-agents"))

    assert [letter.session_id for letter in await _stored(engine)] == [kept.id]
