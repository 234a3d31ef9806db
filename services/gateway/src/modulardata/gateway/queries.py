"""Reads of the versioning read models and the gateway's tables, always scoped to an owner."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import func, or_, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from modulardata.gateway.exceptions import NotFound
from modulardata.gateway.tables import AcceptedTask
from modulardata.versioning.readmodels import (
    FINISHED_STATUSES,
    READ_MODELS,
    ChatLogView,
    NodeView,
    SessionView,
    TaskView,
)

UNSEEN_TASK_EXPIRY = timedelta(minutes=15)
"""An accepted task the log has not seen for this long no longer counts as unfinished (its
command was lost or refused), so it cannot keep its session busy for ever."""


@dataclass(frozen=True)
class OwnedTask:
    """A task of the caller, and what the read model says of it so far (None: still queued)."""

    task_id: UUID
    session_id: UUID
    kind: str
    created_at: datetime
    view: TaskView | None


@dataclass(frozen=True)
class History:
    """A session's version nodes and chat messages, each in the order they were made."""

    nodes: list[NodeView]
    messages: list[ChatLogView]


async def missing_read_models(engine: AsyncEngine) -> list[str]:
    """Read-model tables the versioning service has not created yet; raises if the DB is down."""
    names = [model.__tablename__ for model in READ_MODELS]
    async with engine.connect() as conn:
        result = await conn.execute(
            text(
                "SELECT name FROM unnest(cast(:names AS text[])) AS name"
                " WHERE to_regclass(name) IS NULL"
            ),
            {"names": names},
        )
        return list(result.scalars())


async def find_session(engine: AsyncEngine, session_id: UUID) -> SessionView | None:
    """The session's row, if it has been projected yet."""
    async with AsyncSession(engine) as session:
        return await session.get(SessionView, session_id)


async def owned_session(engine: AsyncEngine, session_id: UUID, owner: str) -> SessionView:
    """The session if it exists and belongs to `owner`; NotFound otherwise."""
    view = await find_session(engine, session_id)
    if view is None or view.owner != owner:
        raise NotFound(f"session {session_id} not found", code="session_not_found")
    return view


async def wait_for_session(
    engine: AsyncEngine, session_id: UUID, timeout_s: float, poll_s: float = 0.02
) -> SessionView | None:
    """The session's row once projected, or None if it does not appear within `timeout_s`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while (view := await find_session(engine, session_id)) is None:
        if loop.time() >= deadline:
            return None
        await asyncio.sleep(poll_s)
    return view


async def wait_until_gone(
    engine: AsyncEngine, session_id: UUID, timeout_s: float, poll_s: float = 0.02
) -> bool:
    """Whether the session's row is gone (its deletion projected) within `timeout_s`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while await find_session(engine, session_id) is not None:
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(poll_s)
    return True


async def owned_sessions(
    engine: AsyncEngine, owner: str, *, limit: int, offset: int
) -> tuple[list[tuple[SessionView, int]], int]:
    """A page of the owner's sessions, newest first, each with its node count; and the total."""
    nodes = (
        select(func.count())
        .select_from(NodeView)
        .where(col(NodeView.session_id) == col(SessionView.session_id))
        .scalar_subquery()
    )
    async with AsyncSession(engine) as session:
        page = await session.exec(
            select(SessionView, nodes)
            .where(SessionView.owner == owner)
            .order_by(col(SessionView.created_at).desc(), col(SessionView.session_id))
            .limit(limit)
            .offset(offset)
        )
        total = await session.exec(
            select(func.count()).select_from(SessionView).where(SessionView.owner == owner)
        )
        return [(view, count) for view, count in page], total.one()


async def wait_for_task(
    engine: AsyncEngine, task_id: UUID, timeout_s: float, poll_s: float = 0.05
) -> TaskView | None:
    """The task's row once it has finished, or as it stands after `timeout_s` (None: queued)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        async with AsyncSession(engine) as session:
            view = await session.get(TaskView, task_id)
        if (view is not None and view.status in FINISHED_STATUSES) or (loop.time() >= deadline):
            return view
        await asyncio.sleep(poll_s)


async def node_count(engine: AsyncEngine, session_id: UUID) -> int:
    """How many version nodes the session has."""
    async with AsyncSession(engine) as session:
        statement = (
            select(func.count()).select_from(NodeView).where(NodeView.session_id == session_id)
        )
        return (await session.exec(statement)).one()


async def history(engine: AsyncEngine, session_id: UUID) -> History:
    """The session's nodes and messages, in log order."""
    async with AsyncSession(engine) as session:
        nodes = await session.exec(
            select(NodeView)
            .where(NodeView.session_id == session_id)
            .order_by(col(NodeView.position))
        )
        messages = await session.exec(
            select(ChatLogView)
            .where(ChatLogView.session_id == session_id)
            .order_by(col(ChatLogView.position))
        )
        return History(nodes=list(nodes), messages=list(messages))


async def session_node(engine: AsyncEngine, session_id: UUID, node_id: UUID) -> NodeView:
    """A node of the session; NotFound when the session has no such node."""
    async with AsyncSession(engine) as session:
        node = await session.get(NodeView, node_id)
    if node is None or node.session_id != session_id:
        raise NotFound(f"node {node_id} not found in session {session_id}", code="node_not_found")
    return node


async def owned_task(engine: AsyncEngine, task_id: UUID, owner: str) -> OwnedTask:
    """A task accepted for `owner`, or one in a session of theirs that entered the system some
    other way (its kind is then unknown); NotFound otherwise."""
    async with AsyncSession(engine) as session:
        accepted = await session.get(AcceptedTask, task_id)
        view = await session.get(TaskView, task_id)
        if accepted is not None and accepted.owner == owner:
            return OwnedTask(task_id, accepted.session_id, accepted.kind, accepted.created_at, view)
        if accepted is None and view is not None:
            task_session = await session.get(SessionView, view.session_id)
            if task_session is not None and task_session.owner == owner:
                return OwnedTask(task_id, view.session_id, "unknown", view.created_at, view)
    raise NotFound(f"task {task_id} not found", code="task_not_found")


async def unfinished_tasks(engine: AsyncEngine, session_id: UUID) -> int:
    """How many tasks accepted for the session have not ended: queued, running, or not yet in
    the log (recently accepted)."""
    seen_since = datetime.now(UTC) - UNSEEN_TASK_EXPIRY
    statement = (
        select(func.count())
        .select_from(AcceptedTask)
        .outerjoin(TaskView, col(TaskView.task_id) == col(AcceptedTask.task_id))
        .where(AcceptedTask.session_id == session_id)
        .where(
            or_(
                col(TaskView.status).not_in(FINISHED_STATUSES),
                col(TaskView.task_id).is_(None) & (col(AcceptedTask.created_at) > seen_since),
            )
        )
    )
    async with AsyncSession(engine) as session:
        return (await session.exec(statement)).one()
