"""The ReadModels contract, run identically on PostgreSQL (a database of its own per test) and in
memory: what a caller is served of sessions, nodes, messages and tasks, and the answers built on
it (owned tasks, lineage, a session's dataset)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from modulardata.gateway.adapters.gateway_tables import AcceptedSession, AcceptedTask
from modulardata.gateway.adapters.memory_read_models import MemoryReadModels
from modulardata.gateway.adapters.readmodel_queries import PostgresReadModels
from modulardata.gateway.application import read_models
from modulardata.gateway.application.read_models import UNSEEN_EXPIRY, ReadModels
from modulardata.gateway.exceptions import NotFound
from modulardata.readmodels.engine import make_engine
from modulardata.readmodels.views import ChatLogView, NodeView, SessionView, TaskView
from modulardata.schema.upgrade import upgrade_to_head
from tests.support.infrastructure import Source
from tests.support.postgres import fresh_database

OWNER, OTHER = "owner-key", "other-key"
NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Subject:
    """An implementation under test, and how to put rows into it."""

    rows: ReadModels
    add: Callable[..., Awaitable[None]]


@pytest.fixture
async def postgres(infrastructure: Source) -> AsyncIterator[Subject]:
    """The read models in PostgreSQL, on a migrated database dropped after the test."""
    with fresh_database("readmodels") as url:
        await upgrade_to_head(url)
        engine = make_engine(url)

        async def add(*rows: SQLModel) -> None:
            async with AsyncSession(engine, expire_on_commit=False) as session:
                session.add_all(rows)
                await session.commit()

        try:
            yield Subject(PostgresReadModels(engine), add)
        finally:
            await engine.dispose()


@pytest.fixture(params=["memory", "postgres"])
def subject(request: pytest.FixtureRequest) -> Subject:
    """The contract's subject: each implementation in turn."""
    if request.param == "memory":
        memory = MemoryReadModels()

        async def add(*rows: SQLModel) -> None:
            memory.add(*rows)

        return Subject(memory, add)
    postgres: Subject = request.getfixturevalue("postgres")
    return postgres


def _session(owner: str = OWNER, *, at: datetime = NOW, **fields: Any) -> SessionView:
    return SessionView(session_id=uuid4(), owner=owner, created_at=at, updated_at=at, **fields)


def _node(session_id: UUID, position: int, **fields: Any) -> NodeView:
    return NodeView(
        node_id=uuid4(),
        session_id=session_id,
        storage_uri=f"file:///{position}.parquet",
        content_hash="h",
        row_count=position,
        column_count=1,
        columns=[{"name": "a", "dtype": "int64"}],
        description=f"version {position}",
        created_at=NOW,
        position=position,
        **fields,
    )


def _chat(session_id: UUID, position: int, text: str) -> ChatLogView:
    return ChatLogView(
        chat_message_id=uuid4(),
        session_id=session_id,
        role="user",
        text=text,
        created_at=NOW,
        position=position,
    )


def _task(session_id: UUID, status: str, task_id: UUID | None = None) -> TaskView:
    return TaskView(
        task_id=task_id or uuid4(),
        session_id=session_id,
        status=status,
        stage=status,
        events=[{"stage": status, "at": NOW.isoformat()}],
        created_at=NOW,
        updated_at=NOW,
    )


def _accepted(
    session_id: UUID, kind: str = "chat", *, age: timedelta = timedelta()
) -> AcceptedTask:
    return AcceptedTask(
        task_id=uuid4(), session_id=session_id, owner=OWNER, kind=kind, created_at=NOW - age
    )


async def test_a_session_is_served_once_accepted_and_to_its_owner_only(subject: Subject) -> None:
    projected = _session(head_node_id=uuid4(), at=NOW - timedelta(seconds=5))
    dated = AcceptedSession(session_id=projected.session_id, owner=OWNER, created_at=NOW)
    pending = AcceptedSession(session_id=uuid4(), owner=OWNER, name="new", created_at=NOW)
    lost = AcceptedSession(
        session_id=uuid4(), owner=OWNER, created_at=NOW - UNSEEN_EXPIRY - timedelta(seconds=1)
    )
    await subject.add(projected, dated, pending, lost)
    rows = subject.rows

    served = await rows.session(projected.session_id, OWNER)
    assert served is not None
    assert (served.head_node_id, served.created_at) == (projected.head_node_id, NOW)
    assert served.updated_at == projected.updated_at
    waiting = await rows.session(pending.session_id)
    assert waiting is not None
    assert (waiting.owner, waiting.name, waiting.head_node_id) == (OWNER, "new", None)
    assert waiting.created_at == waiting.updated_at == NOW
    assert await rows.session(projected.session_id, OTHER) is None
    assert await rows.session(lost.session_id) is None
    assert await rows.session(uuid4()) is None
    row = await rows.projected_session(projected.session_id)
    assert row is not None and row.created_at == projected.created_at
    assert await rows.projected_session(pending.session_id) is None


async def test_a_page_of_sessions_is_the_owners_newest_first_with_node_counts(
    subject: Subject,
) -> None:
    older = _session(at=NOW - timedelta(minutes=2))
    same_time = sorted((_session(), _session()), key=lambda s: s.session_id)
    pending = AcceptedSession(
        session_id=uuid4(), owner=OWNER, created_at=NOW + timedelta(seconds=1)
    )
    await subject.add(
        older,
        *same_time,
        pending,
        _session(OTHER),
        _node(older.session_id, 1),
        _node(older.session_id, 2),
        _node(same_time[0].session_id, 3),
    )

    page, total = await subject.rows.sessions(OWNER, limit=10, offset=0)
    assert total == 4
    assert [(view.session_id, count) for view, count in page] == [
        (pending.session_id, 0),
        (same_time[0].session_id, 1),
        (same_time[1].session_id, 0),
        (older.session_id, 2),
    ]
    second, total = await subject.rows.sessions(OWNER, limit=2, offset=1)
    assert [view.session_id for view, _ in second] == [s.session_id for s in same_time]
    assert total == 4
    assert await subject.rows.sessions("nobody", limit=10, offset=0) == ([], 0)


async def test_history_nodes_and_messages_are_the_sessions_in_log_order(
    subject: Subject,
) -> None:
    session, elsewhere = _session(), _session()
    second, first = _node(session.session_id, 7), _node(session.session_id, 3)
    asked, answered = _chat(session.session_id, 4, "drop rows"), _chat(session.session_id, 8, "ok")
    other = _node(elsewhere.session_id, 5)
    await subject.add(
        session,
        elsewhere,
        second,
        first,
        answered,
        asked,
        other,
        _chat(elsewhere.session_id, 6, "x"),
    )
    rows = subject.rows

    history = await rows.history(session.session_id)
    assert [n.node_id for n in history.nodes] == [first.node_id, second.node_id]
    assert [m.text for m in history.messages] == ["drop rows", "ok"]
    assert history.nodes[0].model_dump() == first.model_dump()
    assert await rows.node_count(session.session_id) == 2
    assert {n.node_id for n in await rows.session_nodes(session.session_id)} == {
        first.node_id,
        second.node_id,
    }
    found = await rows.node(other.node_id)
    assert found is not None and found.session_id == elsewhere.session_id
    assert await rows.node(uuid4()) is None
    texts = await rows.message_texts([asked.chat_message_id, uuid4()])
    assert texts == {asked.chat_message_id: "drop rows"}
    assert await rows.message_texts([]) == {}


async def test_unfinished_tasks_are_running_queued_or_accepted_lately(subject: Subject) -> None:
    session = _session()
    running, done, queued = (_accepted(session.session_id) for _ in range(3))
    unseen = _accepted(session.session_id)
    upload = _accepted(session.session_id, "upload")
    lost = _accepted(session.session_id, age=UNSEEN_EXPIRY + timedelta(seconds=1))
    await subject.add(
        session,
        running,
        done,
        queued,
        unseen,
        upload,
        lost,
        _task(session.session_id, "running", running.task_id),
        _task(session.session_id, "succeeded", done.task_id),
        _task(session.session_id, "queued", queued.task_id),
        _task(session.session_id, "failed", upload.task_id),
        _accepted(uuid4()),
    )
    rows = subject.rows

    assert await rows.unfinished_tasks(session.session_id) == 3
    assert await rows.unfinished_tasks(session.session_id, "upload") == 0
    assert await rows.unfinished_tasks(session.session_id, "chat") == 3
    view = await rows.task(running.task_id)
    assert view is not None and view.status == "running"
    assert await rows.task(unseen.task_id) is None
    record = await rows.accepted_task(upload.task_id)
    assert record is not None and (record.kind, record.owner) == ("upload", OWNER)
    assert await rows.accepted_task(uuid4()) is None


async def test_a_task_is_its_owners_whether_accepted_here_or_not(subject: Subject) -> None:
    session = _session()
    accepted = _accepted(session.session_id)
    replayed = _task(session.session_id, "running")  # entered the system some other way
    await subject.add(session, accepted, replayed)

    mine = await read_models.owned_task(subject.rows, accepted.task_id, OWNER)
    assert (mine.kind, mine.session_id, mine.view) == ("chat", session.session_id, None)
    found = await read_models.owned_task(subject.rows, replayed.task_id, OWNER)
    assert found.kind == "unknown" and found.view is not None
    for task_id, owner in ((accepted.task_id, OTHER), (replayed.task_id, OTHER), (uuid4(), OWNER)):
        with pytest.raises(NotFound, match="not found"):
            await read_models.owned_task(subject.rows, task_id, owner)


async def test_a_lineage_goes_from_the_upload_to_the_node(subject: Subject) -> None:
    session = _session()
    upload = _node(session.session_id, 1)
    asked = _chat(session.session_id, 2, "drop empty rows")
    change = _node(
        session.session_id, 3, parent_id=upload.node_id, created_by_message_id=asked.chat_message_id
    )
    sibling = _node(session.session_id, 4, parent_id=upload.node_id)
    await subject.add(session, upload, asked, change, sibling)

    path = await read_models.lineage(subject.rows, session.session_id, change.node_id)
    assert [n.node_id for n in path.nodes] == [upload.node_id, change.node_id]
    assert path.messages == {asked.chat_message_id: "drop empty rows"}
    with pytest.raises(NotFound, match="not found in session"):
        await read_models.lineage(subject.rows, uuid4(), change.node_id)


async def test_a_sessions_dataset_is_ready_being_read_or_missing(subject: Subject) -> None:
    ready, reading, empty = _session(head_node_id=uuid4()), _session(), _session()
    await subject.add(ready, reading, empty, _accepted(reading.session_id, "upload"))

    async def state(session: SessionView) -> str:
        return await read_models.wait_for_dataset(subject.rows, session.session_id, timeout_s=0)

    assert [await state(s) for s in (ready, reading, empty)] == ["ready", "being_read", "missing"]
