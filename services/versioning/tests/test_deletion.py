"""Deleting a session: its objects leave storage, its events become tombstones, its read models
go, and the log still rebuilds them; retention deletes idle sessions the same way."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.contracts.commands import CreateSession, DeleteSession, SendChatMessage
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import SessionCreated, SessionDeleted
from modulardata.storage import LocalStorage
from modulardata.versioning import domain, eventstore, projector
from modulardata.versioning.eventlog import EventLog
from modulardata.versioning.exceptions import DomainRejection
from modulardata.versioning.handlers import VersioningHandlers
from modulardata.versioning.memory_log import MemoryLog
from modulardata.versioning.retention import delete_idle_sessions
from services.versioning.tests.uploads import ingested

OWNER = "key-1"
SECRET = "Alice's salary table"


class Session:
    """One session driven through the handlers, with objects in storage like a real one."""

    def __init__(self, handlers: VersioningHandlers, storage: LocalStorage) -> None:
        self.id, self.handlers, self.storage = uuid4(), handlers, storage

    async def send(self, message: Any, task: UUID | None = None) -> None:
        envelope = Envelope.wrap(message, session_id=self.id, correlation_id=task or uuid4())
        await self.handlers.handle(envelope)

    def store(self, key: str) -> str:
        with self.storage.writer(key) as stream:
            stream.write(b"a,b\n1,2\n")
        return self.storage.uri_for(key)

    async def fill(self) -> None:
        await self.send(CreateSession(session_id=self.id, owner=OWNER, name=SECRET))
        self.store(f"uploads/{self.id}/t/raw")
        version = self.store(f"sessions/{self.id}/nodes/n.parquet")
        await self.send(ingested(self.id, storage_uri=version))
        await self.send(SendChatMessage(session_id=self.id, chat_message_id=uuid4(), text=SECRET))

    def objects(self) -> list[str]:
        return sorted(
            str(path.relative_to(self.storage.root))
            for path in self.storage.root.rglob("*")
            if path.is_file() and str(self.id) in str(path)
        )


async def _views(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    async with engine.connect() as conn:
        return {
            table: [tuple(row) for row in await conn.execute(text(f"SELECT * FROM {table}"))]
            for table in ("sessions", "nodes", "chat_logs", "tasks")
        }


async def _project_all(engine: AsyncEngine) -> None:
    while await projector.project_batch(engine, 100):
        pass


async def _two_sessions(
    handlers: VersioningHandlers, storage: LocalStorage
) -> tuple[Session, Session]:
    """A session to delete and one that must stay as it is, both with data."""
    doomed, kept = Session(handlers, storage), Session(handlers, storage)
    await doomed.fill()
    await kept.fill()
    return doomed, kept


@pytest.fixture
async def sessions(
    engine: AsyncEngine, handlers: VersioningHandlers, storage: LocalStorage
) -> tuple[Session, Session]:
    """Two sessions with data on PostgreSQL, projected."""
    filled = await _two_sessions(handlers, storage)
    await _project_all(engine)
    return filled


@pytest.fixture
async def sessions_in_memory(
    memory_handlers: VersioningHandlers, storage: LocalStorage
) -> tuple[Session, Session]:
    """Two sessions with data on the log in memory."""
    return await _two_sessions(memory_handlers, storage)


async def _logged(log: EventLog) -> list[Envelope]:
    async with log.transaction() as store:
        return [recorded.envelope for recorded in await store.read_after(0, 10_000)]


async def test_a_deleted_session_leaves_tombstones_and_no_data(
    engine: AsyncEngine, sessions: tuple[Session, Session]
) -> None:
    doomed, kept = sessions
    before = await _views(engine)
    assert len(doomed.objects()) == 2

    await doomed.send(DeleteSession(session_id=doomed.id, owner=OWNER))
    await _project_all(engine)

    assert doomed.objects() == []
    assert len(kept.objects()) == 2
    async with engine.connect() as conn:
        events = await eventstore.read_stream(conn, domain.session_stream(doomed.id))
        raw = (await conn.execute(text("SELECT payload::text, sealed FROM events"))).all()
    *shredded, last = [recorded.envelope.open() for recorded in events]
    assert {e.TYPE for e in shredded} == {"EventShredded"}
    assert shredded[0].shredded_type == SessionCreated.TYPE  # type: ignore[attr-defined]
    assert last == SessionDeleted(session_id=doomed.id, reason="requested", objects_removed=2)
    assert not any(SECRET in payload for payload, _ in raw), "no payload is stored in clear"

    views = await _views(engine)
    for name, rows in views.items():
        assert not any(doomed.id in row for row in rows), name
        assert rows == [row for row in before[name] if doomed.id not in row], name
    await projector.rebuild(engine)
    assert await _views(engine) == views


async def test_after_deletion_nothing_comes_back(
    memory_log: MemoryLog, sessions_in_memory: tuple[Session, Session]
) -> None:
    doomed, _ = sessions_in_memory
    delete = DeleteSession(session_id=doomed.id, owner=OWNER)
    await doomed.send(delete)
    logged = await _logged(memory_log)

    await doomed.send(delete)  # asked again
    await doomed.send(CreateSession(session_id=doomed.id, owner=OWNER))  # the id reused
    # An executor finishing after the deletion wrote a version; its report removes it again.
    late = doomed.store(f"sessions/{doomed.id}/nodes/late.parquet")
    await doomed.send(ingested(doomed.id, storage_uri=late))

    assert doomed.objects() == []
    assert await _logged(memory_log) == logged


async def test_only_the_owner_deletes_a_session(
    memory_log: MemoryLog, sessions_in_memory: tuple[Session, Session]
) -> None:
    doomed, _ = sessions_in_memory
    await doomed.send(DeleteSession(session_id=doomed.id, owner="someone-else"))
    assert len(doomed.objects()) == 2
    async with memory_log.transaction() as store:
        events = await store.read_stream(domain.session_stream(doomed.id))
    assert events[0].envelope.open() == SessionCreated(
        session_id=doomed.id, owner=OWNER, name=SECRET
    )


def test_a_session_is_deleted_once_and_only_by_its_owner_or_retention() -> None:
    session_id = uuid4()
    created = domain.evolve_session(
        domain.SessionState(), SessionCreated(session_id=session_id, owner=OWNER)
    )
    asked = DeleteSession(session_id=session_id, owner=OWNER)
    assert domain.should_delete(created, asked)
    assert domain.should_delete(created, DeleteSession(session_id=session_id, reason="retention"))
    assert not domain.should_delete(domain.SessionState(), asked)
    with pytest.raises(DomainRejection):
        domain.should_delete(created, DeleteSession(session_id=session_id, owner="other"))
    deleted = domain.evolve_session(
        created, SessionDeleted(session_id=session_id, reason="requested", objects_removed=0)
    )
    assert (deleted.deleted, deleted.owner, deleted.version) == (True, None, 2)
    assert not domain.should_delete(deleted, asked)
    with pytest.raises(DomainRejection, match="deleted"):
        domain.decide_create(deleted, CreateSession(session_id=session_id, owner=OWNER))


async def test_retention_deletes_only_sessions_idle_past_it(
    engine: AsyncEngine, handlers: VersioningHandlers, sessions: tuple[Session, Session]
) -> None:
    doomed, kept = sessions
    async with engine.begin() as conn:
        for table in ("sessions", "tasks"):
            await conn.execute(
                text(
                    f"UPDATE {table} SET updated_at = now() - interval '31 days'"
                    " WHERE session_id = :s"
                ),
                {"s": doomed.id},
            )
    assert await delete_idle_sessions(engine, handlers.handle, retention_days=30) == 1
    await _project_all(engine)
    assert doomed.objects() == []
    assert len(kept.objects()) == 2
    assert await delete_idle_sessions(engine, handlers.handle, retention_days=30) == 0
    async with engine.connect() as conn:
        events = await eventstore.read_stream(conn, domain.session_stream(doomed.id))
    assert events[-1].envelope.open() == SessionDeleted(
        session_id=doomed.id, reason="retention", objects_removed=2
    )
