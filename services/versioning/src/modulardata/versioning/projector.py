"""Projecting the event log into the read models, idempotently and rebuildably.

The projector follows the log by global position; each batch and its checkpoint commit in one
transaction, so a crash replays at most an uncommitted batch. `rebuild` empties the views and
replays from position 0 in one transaction, so readers never see a half-built state.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, case, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col

from modulardata.contracts.events import (
    ChatMessageRecorded,
    DatasetProfiled,
    ExecutionRequested,
    HeadMoved,
    SessionCreated,
    SessionDeleted,
    TaskFailed,
    TaskNeedsInput,
    TaskProgressed,
    TaskQueued,
    TaskStarted,
    TaskSucceeded,
    TransformationPlanned,
    VersionCommitted,
)
from modulardata.contracts.tasks import FINISHED_STATUSES, STAGES, ReplayTask
from modulardata.readmodels.views import (
    GATEWAY_SESSION_TABLES,
    READ_MODELS,
    ChatLogView,
    NodeView,
    ProjectionCheckpoint,
    SessionView,
    SkippedEventView,
    TaskView,
)
from modulardata.versioning import eventstore
from modulardata.versioning.eventlog import RecordedEvent
from modulardata.versioning.exceptions import FAILURES

log = logging.getLogger(__name__)

TaskEvent = TaskProgressed | TaskQueued | TaskSucceeded | TaskFailed | TaskNeedsInput

CHECKPOINT = "read_models"

_REFUSED = (DBAPIError, UnicodeEncodeError)
"""How a value the database cannot hold fails: refused by the server, or by the driver while
encoding it (a lone surrogate)."""


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
        await _apply_all(conn, events)
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
            await _apply_all(conn, events)
            position = events[-1].position
            replayed += len(events)
        await conn.execute(
            update(ProjectionCheckpoint)
            .where(ProjectionCheckpoint.name == CHECKPOINT)  # type: ignore[arg-type]
            .values(position=position)
        )
    return replayed


async def _apply_all(conn: AsyncConnection, events: Sequence[RecordedEvent]) -> None:
    """Apply events in log order. One the database refuses for good (a value it cannot hold)
    is skipped and recorded in `skipped_events`, so no event can stop the projection; a lost
    connection is raised, to be retried."""
    try:
        async with conn.begin_nested():
            for recorded in events:
                await apply(conn, recorded)
        return
    except _REFUSED as exc:
        if FAILURES.is_transient(exc):
            raise
    # Some event of the batch is refused: apply them one by one to find it.
    for recorded in events:
        try:
            async with conn.begin_nested():
                await apply(conn, recorded)
        except _REFUSED as exc:
            if FAILURES.is_transient(exc):
                raise
            await _skip(conn, recorded, exc)


async def _skip(conn: AsyncConnection, recorded: RecordedEvent, exc: Exception) -> None:
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    first_line = next(iter(str(cause).splitlines()), "")
    reason = f"{type(cause).__name__}: {first_line}"[:500]
    log.error(
        "read models skip event %d (%s): %s", recorded.position, recorded.envelope.type, reason
    )
    await conn.execute(
        insert(SkippedEventView)
        .values(
            position=recorded.position,
            session_id=recorded.envelope.session_id,
            event_type=recorded.envelope.type,
            reason=reason,
            skipped_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing()
    )


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
                profile_uri=event.profile_uri,
                plan=event.plan.model_dump(mode="json") if event.plan else None,
                task_id=event.task_id,
                code=event.code,
                filename=event.filename,
            )
            .on_conflict_do_nothing()
        )
        if event.created_by_message_id is not None:
            await conn.execute(
                update(ChatLogView)
                .where(ChatLogView.chat_message_id == event.created_by_message_id)  # type: ignore[arg-type]
                .values(node_id=event.node_id)
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
                task_id=event.task_id,
                created_at=at,
                position=recorded.position,
            )
            .on_conflict_do_nothing()
        )
        if event.role == "assistant" and event.task_id is not None:
            await _update_task(conn, event.task_id, reply=event.text)
    elif isinstance(event, TaskStarted):
        # Waiting in the queue is not silence: the task's clock starts again when it starts.
        await _update_task(conn, event.task_id, updated_at=at)
    elif isinstance(event, ExecutionRequested):
        await _update_task(conn, event.task_id, code=event.code)
    elif isinstance(event, TransformationPlanned):
        await _update_task(
            conn,
            envelope.correlation_id,
            plan=event.plan.model_dump(mode="json"),
            explanation=event.explanation,
        )
    elif isinstance(event, TaskEvent):
        await _apply_task(conn, recorded, event)
    elif isinstance(event, SessionDeleted):
        await _purge_session(conn, event.session_id)


async def _purge_session(conn: AsyncConnection, session_id: UUID) -> None:
    """Remove the session's rows from every read model and from the gateway's tables."""
    for model in READ_MODELS:
        await conn.execute(delete(model).where(col(model.session_id) == session_id))
    for table in GATEWAY_SESSION_TABLES:
        # Absent when the gateway never ran on this database (a rebuild elsewhere, tests).
        exists = await conn.execute(text("SELECT to_regclass(:t)"), {"t": table})
        if exists.scalar() is not None:
            await conn.execute(
                text(f"DELETE FROM {table} WHERE session_id = :s"), {"s": session_id}
            )


async def _update_task(conn: AsyncConnection, task_id: UUID, **values: Any) -> None:
    await conn.execute(
        update(TaskView).where(TaskView.task_id == task_id).values(**values)  # type: ignore[arg-type]
    )


def _task_values(event: TaskEvent) -> dict[str, Any]:
    """The task row's columns an event sets."""
    if isinstance(event, TaskProgressed):
        return {"status": "queued" if event.stage == "queued" else "running", "stage": event.stage}
    if isinstance(event, TaskQueued):
        values: dict[str, Any] = {"status": "queued", "stage": "queued"}
        if isinstance(event.task, ReplayTask):
            values |= {
                "plan": event.task.plan.model_dump(mode="json"),
                "explanation": event.task.description,
            }
        return values
    if isinstance(event, TaskSucceeded):
        summary = event.summary.model_dump(mode="json") if event.summary else None
        return {
            "status": "succeeded",
            "stage": "succeeded",
            "node_id": event.node_id,
            "summary": summary,
        }
    if isinstance(event, TaskNeedsInput):
        return {"status": "needs_input", "stage": "needs_input", "question": event.question}
    return {"status": "failed", "stage": "failed", "error_code": event.code, "error": event.error}


async def _apply_task(conn: AsyncConnection, recorded: RecordedEvent, event: TaskEvent) -> None:
    """Add the event to its task's row; a late stage never moves a task back or reopens it."""
    at = recorded.envelope.occurred_at
    values = _task_values(event)
    entry = {
        "type": recorded.envelope.type,
        "stage": values["stage"],
        "at": at.isoformat(),
        "position": recorded.position,
    }
    statement = insert(TaskView).values(
        task_id=event.task_id,
        session_id=event.session_id,
        events=[entry],
        created_at=at,
        updated_at=at,
        **values,
    )
    already_applied = TaskView.events.contains([{"position": recorded.position}])  # type: ignore[attr-defined]
    status = col(TaskView.status)
    moves_on: ColumnElement[bool] = status.not_in(FINISHED_STATUSES)
    if isinstance(event, TaskProgressed):
        later = STAGES[STAGES.index(event.stage) + 1 :]
        moves_on = moves_on & col(TaskView.stage).not_in(later)
    changes = {
        name: case((moves_on, statement.excluded[name]), else_=col(getattr(TaskView, name)))
        for name in values
    }
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["task_id"],
            set_={
                **changes,
                "events": TaskView.events.op("||")(statement.excluded.events),  # type: ignore[attr-defined]
                "updated_at": at,
            },
            where=~already_applied,
        )
    )
