"""Handlers append once; projections follow the log, survive replays and rebuild identically."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.contracts import topics
from modulardata.contracts.base import Message
from modulardata.contracts.commands import CreateSession
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import (
    ChatMessageRecorded,
    DatasetIngested,
    DatasetProfiled,
    IngestionFailed,
    TaskProgressed,
    VersionCommitted,
)
from modulardata.contracts.values import ColumnSchema
from modulardata.messaging.bus import Bus
from modulardata.messaging.settings import KafkaSettings
from modulardata.versioning import eventlog, eventstore, projector, relay
from modulardata.versioning.handlers import VersioningHandlers

VIEWS = {
    "sessions": "session_id",
    "nodes": "node_id",
    "chat_logs": "chat_message_id",
    "tasks": "task_id",
}


async def _views(engine: AsyncEngine) -> dict[str, list[dict[str, Any]]]:
    async with engine.connect() as conn:
        return {
            name: [
                dict(r._mapping)
                for r in await conn.execute(text(f"SELECT * FROM {name} ORDER BY {key}"))
            ]
            for name, key in VIEWS.items()
        }


async def _project_all(engine: AsyncEngine) -> None:
    while await projector.project_batch(engine, 3):
        pass


async def _upload(handlers: VersioningHandlers, session: UUID) -> tuple[UUID, UUID]:
    task, node = uuid4(), uuid4()
    start = Envelope.wrap(
        TaskProgressed(task_id=task, session_id=session, stage="ingesting"),
        session_id=session,
        correlation_id=task,
    )
    await handlers.handle(start)
    await handlers.handle(
        start.follow(
            DatasetIngested(
                session_id=session,
                node_id=node,
                filename="c.csv",
                upload_uri="file:///u",
                storage_uri="file:///n.parquet",
                content_hash="h",
                row_count=3,
                column_count=1,
                columns=(ColumnSchema(name="a", dtype="int64"),),
            )
        )
    )
    return task, node


async def _create(handlers: VersioningHandlers) -> tuple[UUID, Envelope]:
    session = uuid4()
    envelope = Envelope.wrap(
        CreateSession(session_id=session, owner="key-1", name="demo"),
        session_id=session,
        correlation_id=uuid4(),
    )
    await handlers.handle(envelope)
    return session, envelope


async def test_upload_flow_projects_session_node_head_and_task(
    engine: AsyncEngine, handlers: VersioningHandlers
) -> None:
    session, _ = await _create(handlers)
    task, node = await _upload(handlers, session)
    await _project_all(engine)
    views = await _views(engine)
    assert views["sessions"][0]["head_node_id"] == node
    assert views["sessions"][0]["owner"] == "key-1"
    assert [n["node_id"] for n in views["nodes"]] == [node]
    assert views["nodes"][0]["parent_id"] is None
    assert views["nodes"][0]["columns"] == [{"name": "a", "dtype": "int64"}]
    (row,) = views["tasks"]
    assert (row["task_id"], row["status"], row["node_id"]) == (task, "succeeded", node)
    assert [e["stage"] for e in row["events"]] == ["ingesting", "succeeded"]


async def test_failed_ingestion_fails_the_task_without_a_node(
    engine: AsyncEngine, handlers: VersioningHandlers
) -> None:
    session, _ = await _create(handlers)
    task = uuid4()
    await handlers.handle(
        Envelope.wrap(
            IngestionFailed(session_id=session, filename="x", code="empty_file", reason="empty"),
            session_id=session,
            correlation_id=task,
        )
    )
    await _project_all(engine)
    views = await _views(engine)
    assert views["nodes"] == []
    (row,) = views["tasks"]
    assert (row["status"], row["error_code"], row["error"]) == ("failed", "empty_file", "empty")


async def test_upload_into_unknown_session_fails_the_task(
    engine: AsyncEngine, handlers: VersioningHandlers
) -> None:
    task, _ = await _upload(handlers, uuid4())
    await _project_all(engine)
    (row,) = (await _views(engine))["tasks"]
    assert (row["task_id"], row["status"], row["error_code"]) == (
        task,
        "failed",
        "session_not_found",
    )


async def test_rebuild_equals_the_live_projection(
    engine: AsyncEngine, handlers: VersioningHandlers
) -> None:
    for _ in range(3):
        session, _ = await _create(handlers)
        await _upload(handlers, session)
        await _upload(handlers, session)
        async with engine.begin() as conn:
            chat = Envelope.wrap(
                ChatMessageRecorded(
                    session_id=session, chat_message_id=uuid4(), role="user", text="drop empty rows"
                ),
                session_id=session,
                correlation_id=uuid4(),
            )
            version = await eventstore.stream_version(conn, f"session-{session}")
            await eventstore.append(conn, f"session-{session}", version, [chat])
    await _project_all(engine)
    live = await _views(engine)
    assert len(live["nodes"]) == 6 and len(live["chat_logs"]) == 3
    replayed = await projector.rebuild(engine)
    assert replayed == 3 * (1 + 2 * 5 + 1)
    assert await _views(engine) == live
    # Replaying a batch that was already applied (a crash before the checkpoint) is harmless.
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE projection_checkpoints SET position = 0"))
    await _project_all(engine)
    assert await _views(engine) == live


async def test_a_profile_is_recorded_once_and_projected_onto_its_node(
    engine: AsyncEngine, handlers: VersioningHandlers
) -> None:
    session, _ = await _create(handlers)
    task, node = await _upload(handlers, session)

    def profiled(node_id: UUID) -> Envelope:
        event = DatasetProfiled(
            session_id=session,
            node_id=node_id,
            profile_uri=f"file:///{node_id}.profile.json",
            row_count=3,
            column_count=1,
            finding_count=2,
        )
        return Envelope.wrap(event, session_id=session, correlation_id=task)

    await handlers.handle(profiled(node))
    await handlers.handle(profiled(node))  # the same report again, as a new message
    await handlers.handle(profiled(uuid4()))  # a node the session does not have
    await _project_all(engine)
    live = await _views(engine)
    (row,) = live["nodes"]
    assert row["profile_uri"] == f"file:///{node}.profile.json"
    async with engine.connect() as conn:
        types = [r.envelope.type for r in await eventstore.read_after(conn, 0, 100)]
    assert types.count("DatasetProfiled") == 1
    await projector.rebuild(engine)
    assert await _views(engine) == live


async def test_relay_publishes_the_log_in_order_once(
    engine: AsyncEngine, handlers: VersioningHandlers
) -> None:
    session, _ = await _create(handlers)
    await _upload(handlers, session)
    bus = Bus(KafkaBroker(), KafkaSettings(topic_prefix="t."))
    received: list[Envelope] = []

    @bus.broker.subscriber(bus.topic(topics.EVENTS))
    async def collect(body: dict[str, Any]) -> None:
        received.append(Envelope.model_validate(body))

    async with TestKafkaBroker(bus.broker):
        while await relay.relay_batch(engine, bus, 2):
            pass
        assert await relay.relay_batch(engine, bus, 2) == 0
    async with engine.connect() as conn:
        logged = [r.envelope for r in await eventstore.read_after(conn, 0, 100)]
    assert received == logged
    assert {e.session_id for e in received} == {session}


def _odd_events(session: UUID) -> list[Message]:
    """Events the views cannot hold, unvalidated as an older or buggier writer stored them."""
    return [
        VersionCommitted.model_construct(
            session_id=session,
            node_id=uuid4(),
            parent_id=None,
            storage_uri="file:///n.parquet",
            content_hash="h",
            row_count=2**40,
            column_count=1,
            columns=(ColumnSchema(name="a", dtype="int64"),),
            description="huge",
        ),
        ChatMessageRecorded.model_construct(
            session_id=session, chat_message_id=uuid4(), role="user", text="lone \udc80"
        ),
    ]


async def test_events_the_views_refuse_are_skipped_and_the_projection_goes_on(
    engine: AsyncEngine, handlers: VersioningHandlers, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, _ = await _create(handlers)
    monkeypatch.setattr(eventlog, "unstorable_texts", lambda _: iter(()))
    odd = [
        Envelope.wrap(e, session_id=session, correlation_id=uuid4()) for e in _odd_events(session)
    ]
    async with engine.begin() as conn:
        await eventstore.append(conn, f"odd-{session}", 0, odd)
    task, node = await _upload(handlers, session)
    await _project_all(engine)
    live = await _views(engine)
    assert [n["node_id"] for n in live["nodes"]] == [node]
    assert [t["status"] for t in live["tasks"] if t["task_id"] == task] == ["succeeded"]
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT * FROM skipped_events ORDER BY position"))
        skipped = rows.mappings().all()
    assert [(s["session_id"], s["event_type"]) for s in skipped] == [
        (session, "VersionCommitted"),
    ]
    assert [s["reason"].split(":")[0] for s in skipped] == ["NumericValueOutOfRange"]
    assert "lone \\udc80" in [m["text"] for m in live["chat_logs"]]
    await projector.rebuild(engine)
    assert await _views(engine) == live
