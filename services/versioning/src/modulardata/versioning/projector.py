"""Projecting the event log into the read models, idempotently and rebuildably.

The projector follows the log by global position; each batch and its checkpoint commit in one
transaction, so a crash replays at most an uncommitted batch. `rebuild` empties the views and
replays from position 0 in one transaction, so readers never see a half-built state.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import SQLModel

from modulardata.contracts.events import (
    ChatMessageRecorded,
    DatasetProfiled,
    HeadMoved,
    SessionCreated,
    TaskFailed,
    TaskProgressed,
    TaskSucceeded,
    VersionCommitted,
)
from modulardata.versioning import eventstore
from modulardata.versioning.eventstore import RecordedEvent
from modulardata.versioning.readmodels import (
    READ_MODELS,
    ChatLogView,
    NodeView,
    ProjectionCheckpoint,
    SessionView,
    TaskView,
)

log = logging.getLogger(__name__)

CHECKPOINT = "read_models"


async def create_schema(conn: AsyncConnection) -> None:
    """Create the read-model tables and the checkpoint row if missing."""
    await conn.run_sync(
        SQLModel.metadata.create_all,
        tables=[
            SQLModel.metadata.tables[m.__tablename__] for m in (*READ_MODELS, ProjectionCheckpoint)
        ],
    )
    # Databases made before nodes had a profile column get it (create_all adds no columns).
    await conn.execute(text("ALTER TABLE nodes ADD COLUMN IF NOT EXISTS profile_uri TEXT"))
    await conn.execute(
        insert(ProjectionCheckpoint).values(name=CHECKPOINT, position=0).on_conflict_do_nothing()
    )


async def _lock_checkpoint(conn: AsyncConnection) -> int:
    result = await conn.execute(
        select(ProjectionCheckpoint.position)  # type: ignore[call-overload]
        .where(ProjectionCheckpoint.name == CHECKPOINT)
        .with_for_update()
    )
    return int(result.scalar_one())


async def project_batch(engine: AsyncEngine, batch_size: int) -> int:
    """Apply the next events after the checkpoint; returns how many were applied."""
    async with engine.begin() as conn:
        position = await _lock_checkpoint(conn)
        events = await eventstore.read_after(conn, position, batch_size)
        for recorded in events:
            await apply(conn, recorded)
        if events:
            await conn.execute(
                update(ProjectionCheckpoint)
                .where(ProjectionCheckpoint.name == CHECKPOINT)  # type: ignore[arg-type]
                .values(position=events[-1].position)
            )
        return len(events)


async def rebuild(engine: AsyncEngine, batch_size: int = 1000) -> int:
    """Drop every view's rows and replay the whole log; returns the events replayed."""
    async with engine.begin() as conn:
        await _lock_checkpoint(conn)
        names = ", ".join(str(m.__tablename__) for m in READ_MODELS)
        await conn.execute(text(f"TRUNCATE {names}"))
        position = replayed = 0
        while events := await eventstore.read_after(conn, position, batch_size):
            for recorded in events:
                await apply(conn, recorded)
            position = events[-1].position
            replayed += len(events)
        await conn.execute(
            update(ProjectionCheckpoint)
            .where(ProjectionCheckpoint.name == CHECKPOINT)  # type: ignore[arg-type]
            .values(position=position)
        )
    return replayed


async def apply(conn: AsyncConnection, recorded: RecordedEvent) -> None:
    """Apply one event to the views; applying it again changes nothing."""
    envelope = recorded.envelope
    event = envelope.open()
    at = envelope.occurred_at
    if isinstance(event, SessionCreated):
        await conn.execute(
            insert(SessionView)
            .values(
                session_id=event.session_id,
                owner=event.owner,
                name=event.name,
                created_at=at,
                updated_at=at,
            )
            .on_conflict_do_nothing()
        )
    elif isinstance(event, VersionCommitted):
        await conn.execute(
            insert(NodeView)
            .values(
                node_id=event.node_id,
                session_id=event.session_id,
                parent_id=event.parent_id,
                storage_uri=event.storage_uri,
                content_hash=event.content_hash,
                row_count=event.row_count,
                column_count=event.column_count,
                columns=[c.model_dump() for c in event.columns],
                created_by_message_id=event.created_by_message_id,
                description=event.description,
                created_at=at,
                position=recorded.position,
            )
            .on_conflict_do_nothing()
        )
    elif isinstance(event, DatasetProfiled):
        await conn.execute(
            update(NodeView)
            .where(NodeView.node_id == event.node_id)  # type: ignore[arg-type]
            .values(profile_uri=event.profile_uri)
        )
    elif isinstance(event, HeadMoved):
        await conn.execute(
            update(SessionView)
            .where(SessionView.session_id == event.session_id)  # type: ignore[arg-type]
            .values(head_node_id=event.node_id, updated_at=at)
        )
    elif isinstance(event, ChatMessageRecorded):
        await conn.execute(
            insert(ChatLogView)
            .values(
                chat_message_id=event.chat_message_id,
                session_id=event.session_id,
                role=event.role,
                text=event.text,
                node_id=event.node_id,
                created_at=at,
                position=recorded.position,
            )
            .on_conflict_do_nothing()
        )
    elif isinstance(event, TaskProgressed | TaskSucceeded | TaskFailed):
        await _apply_task(conn, recorded, event)


async def _apply_task(
    conn: AsyncConnection,
    recorded: RecordedEvent,
    event: TaskProgressed | TaskSucceeded | TaskFailed,
) -> None:
    at = recorded.envelope.occurred_at
    entry: dict[str, Any] = {
        "type": recorded.envelope.type,
        "at": at.isoformat(),
        "position": recorded.position,
    }
    values: dict[str, Any]
    if isinstance(event, TaskProgressed):
        values = {"status": "running", "stage": event.stage}
    elif isinstance(event, TaskSucceeded):
        values = {"status": "succeeded", "stage": "succeeded", "node_id": event.node_id}
    else:
        values = {
            "status": "failed",
            "stage": "failed",
            "error_code": event.code,
            "error": event.error,
        }
    entry["stage"] = values["stage"]
    statement = insert(TaskView).values(
        task_id=event.task_id,
        session_id=event.session_id,
        events=[entry],
        created_at=at,
        updated_at=at,
        **values,
    )
    already_applied = TaskView.events.contains([{"position": recorded.position}])  # type: ignore[attr-defined]
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["task_id"],
            set_={
                **values,
                "events": TaskView.events.op("||")(statement.excluded.events),  # type: ignore[attr-defined]
                "updated_at": at,
            },
            where=~already_applied,
        )
    )
