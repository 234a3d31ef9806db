"""Reads of the versioning read models and the gateway's tables, always scoped to an owner."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import Subquery, func, null, or_, text, union_all
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from modulardata.contracts.tasks import FINISHED_STATUSES
from modulardata.gateway.adapters.gateway_tables import AcceptedSession, AcceptedTask
from modulardata.gateway.exceptions import NotFound
from modulardata.readmodels.views import (
    READ_MODELS,
    ChatLogView,
    NodeView,
    SessionView,
    TaskView,
)

_T = TypeVar("_T")
_M = TypeVar("_M", bound=SQLModel)

UNSEEN_EXPIRY = timedelta(minutes=15)
"""An accepted session or task the log has not seen for this long is taken as lost or refused:
the session is no longer served, the task no longer keeps its session busy."""


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


@dataclass(frozen=True)
class Lineage:
    """The nodes from the session's upload to a node, in order, and their messages' text."""

    nodes: list[NodeView]
    messages: dict[UUID, str]


async def missing_read_models(engine: AsyncEngine) -> list[str]:
    """Read-model tables the database lacks (the gateway migrates it when it starts, so only a
    database replaced under it); raises if the database is down."""
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


def _sessions(*, owner: str | None = None, session_id: UUID | None = None) -> Subquery:
    """Sessions as the API serves them: every projected one, dated when the gateway accepted it
    (when it did), and every one accepted but not projected yet (no versions, no head) unless the
    log has not seen it for `UNSEEN_EXPIRY`."""
    projected = sa.select(
        col(SessionView.session_id),
        col(SessionView.owner),
        col(SessionView.name),
        col(SessionView.head_node_id),
        func.coalesce(col(AcceptedSession.created_at), col(SessionView.created_at)).label(
            "created_at"
        ),
        col(SessionView.updated_at),
    ).outerjoin(AcceptedSession, col(AcceptedSession.session_id) == col(SessionView.session_id))
    pending = (
        sa.select(
            col(AcceptedSession.session_id),
            col(AcceptedSession.owner),
            col(AcceptedSession.name),
            sa.cast(null(), sa.Uuid).label("head_node_id"),
            col(AcceptedSession.created_at),
            col(AcceptedSession.created_at).label("updated_at"),
        )
        .outerjoin(SessionView, col(SessionView.session_id) == col(AcceptedSession.session_id))
        .where(col(SessionView.session_id).is_(None))
        .where(col(AcceptedSession.created_at) > datetime.now(UTC) - UNSEEN_EXPIRY)
    )
    if owner is not None:
        projected = projected.where(col(SessionView.owner) == owner)
        pending = pending.where(col(AcceptedSession.owner) == owner)
    if session_id is not None:
        projected = projected.where(col(SessionView.session_id) == session_id)
        pending = pending.where(col(AcceptedSession.session_id) == session_id)
    return union_all(projected, pending).subquery("api_sessions")


def _session_view(row: Any) -> SessionView:
    return SessionView(
        session_id=row.session_id,
        owner=row.owner,
        name=row.name,
        head_node_id=row.head_node_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _find_session(
    engine: AsyncEngine, session_id: UUID, owner: str | None = None
) -> SessionView | None:
    sessions = _sessions(owner=owner, session_id=session_id)
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(sessions))).first()
    return None if row is None else _session_view(row)


async def owned_session(engine: AsyncEngine, session_id: UUID, owner: str) -> SessionView:
    """The session if it exists (or was accepted) and belongs to `owner`; NotFound otherwise."""
    view = await _find_session(engine, session_id, owner)
    if view is None:
        raise NotFound(f"session {session_id} not found", code="session_not_found")
    return view


async def _poll(
    probe: Callable[[], Awaitable[_T]],
    settled: Callable[[_T], bool],
    timeout_s: float,
    poll_s: float,
) -> _T:
    """What `probe` finds once `settled` holds for it, or its last finding after `timeout_s`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        found = await probe()
        if settled(found) or loop.time() >= deadline:
            return found
        await asyncio.sleep(poll_s)


async def _get(engine: AsyncEngine, model: type[_M], key: UUID) -> _M | None:
    async with AsyncSession(engine) as session:
        return await session.get(model, key)


async def wait_until_projected(
    engine: AsyncEngine, session_id: UUID, timeout_s: float, poll_s: float = 0.02
) -> bool:
    """Whether the session's read-model row exists (its creation is in the log) within
    `timeout_s`."""
    view = await _poll(
        lambda: _get(engine, SessionView, session_id), lambda v: v is not None, timeout_s, poll_s
    )
    return view is not None


async def wait_until_gone(
    engine: AsyncEngine, session_id: UUID, timeout_s: float, poll_s: float = 0.02
) -> bool:
    """Whether the session is gone (its deletion projected) within `timeout_s`."""
    view = await _poll(
        lambda: _find_session(engine, session_id), lambda v: v is None, timeout_s, poll_s
    )
    return view is None


async def owned_sessions(
    engine: AsyncEngine, owner: str, *, limit: int, offset: int
) -> tuple[list[tuple[SessionView, int]], int]:
    """A page of the owner's sessions, newest first, each with its node count; and the total."""
    sessions = _sessions(owner=owner)
    nodes = (
        sa.select(func.count())
        .select_from(NodeView)
        .where(col(NodeView.session_id) == sessions.c.session_id)
        .scalar_subquery()
    )
    async with engine.connect() as conn:
        page = await conn.execute(
            sa.select(sessions, nodes.label("node_count"))
            .order_by(sessions.c.created_at.desc(), sessions.c.session_id)
            .limit(limit)
            .offset(offset)
        )
        total = await conn.execute(sa.select(func.count()).select_from(sessions))
        return [(_session_view(row), row.node_count) for row in page], total.scalar_one()


async def wait_for_task(
    engine: AsyncEngine, task_id: UUID, timeout_s: float, poll_s: float = 0.05
) -> TaskView | None:
    """The task's row once it has finished, or as it stands after `timeout_s` (None: queued)."""

    def finished(view: TaskView | None) -> bool:
        return view is not None and view.status in FINISHED_STATUSES

    return await _poll(lambda: _get(engine, TaskView, task_id), finished, timeout_s, poll_s)


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


async def lineage(engine: AsyncEngine, session_id: UUID, node_id: UUID) -> Lineage:
    """The path to `node_id` through its parents; NotFound when the session has no such node."""
    async with AsyncSession(engine) as session:
        rows = await session.exec(select(NodeView).where(NodeView.session_id == session_id))
        nodes = {node.node_id: node for node in rows}
        if node_id not in nodes:
            raise NotFound(
                f"node {node_id} not found in session {session_id}", code="node_not_found"
            )
        path = [nodes[node_id]]
        while (parent := path[-1].parent_id) is not None and parent in nodes:
            path.append(nodes[parent])
        path.reverse()
        asked = [node.created_by_message_id for node in path if node.created_by_message_id]
        chats = await session.exec(
            select(ChatLogView).where(col(ChatLogView.chat_message_id).in_(asked))
        )
        return Lineage(path, {chat.chat_message_id: chat.text for chat in chats})


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


async def unfinished_tasks(engine: AsyncEngine, session_id: UUID, kind: str | None = None) -> int:
    """How many tasks (of a `kind`, or of any) accepted for the session have not ended: queued,
    running, or not yet in the log (recently accepted)."""
    seen_since = datetime.now(UTC) - UNSEEN_EXPIRY
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
    if kind is not None:
        statement = statement.where(AcceptedTask.kind == kind)
    async with AsyncSession(engine) as session:
        return (await session.exec(statement)).one()


DatasetState = Literal["ready", "being_read", "missing"]
"""Whether a session has a version to work on, will have one once an upload still being read
ends, or has none coming."""


async def wait_for_dataset(
    engine: AsyncEngine, session_id: UUID, timeout_s: float, poll_s: float = 0.05
) -> DatasetState:
    """The session's dataset state once it is ready or missing, or after `timeout_s`."""

    async def state() -> DatasetState:
        # Uploads first: one that ends moves the head in the same transaction, so a head still
        # missing after no upload was left means none is coming.
        uploading = await unfinished_tasks(engine, session_id, "upload")
        view = await _get(engine, SessionView, session_id)
        if view is not None and view.head_node_id is not None:
            return "ready"
        return "being_read" if uploading else "missing"

    return await _poll(state, lambda found: found != "being_read", timeout_s, poll_s)
