"""The read models and the gateway's records in PostgreSQL, behind the `ReadModels` port; and
whether the database holds the read models at all."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import Subquery, func, null, or_, text, union_all
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from modulardata.contracts.tasks import FINISHED_STATUSES
from modulardata.gateway.adapters.gateway_tables import AcceptedSession, AcceptedTask
from modulardata.gateway.application.read_models import UNSEEN_EXPIRY, History
from modulardata.readmodels.views import (
    READ_MODELS,
    ChatLogView,
    NodeView,
    SessionView,
    TaskView,
)

_M = TypeVar("_M", bound=SQLModel)


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


class PostgresReadModels:
    """The rows on an engine: each read on a connection of its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def session(self, session_id: UUID, owner: str | None = None) -> SessionView | None:
        sessions = _sessions(owner=owner, session_id=session_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(sessions))).first()
        return None if row is None else _session_view(row)

    async def projected_session(self, session_id: UUID) -> SessionView | None:
        return await self._get(SessionView, session_id)

    async def sessions(
        self, owner: str, *, limit: int, offset: int
    ) -> tuple[list[tuple[SessionView, int]], int]:
        sessions = _sessions(owner=owner)
        nodes = (
            sa.select(func.count())
            .select_from(NodeView)
            .where(col(NodeView.session_id) == sessions.c.session_id)
            .scalar_subquery()
        )
        async with self._engine.connect() as conn:
            page = await conn.execute(
                sa.select(sessions, nodes.label("node_count"))
                .order_by(sessions.c.created_at.desc(), sessions.c.session_id)
                .limit(limit)
                .offset(offset)
            )
            total = await conn.execute(sa.select(func.count()).select_from(sessions))
            return [(_session_view(row), row.node_count) for row in page], total.scalar_one()

    async def node_count(self, session_id: UUID) -> int:
        async with AsyncSession(self._engine) as session:
            statement = (
                select(func.count()).select_from(NodeView).where(NodeView.session_id == session_id)
            )
            return (await session.exec(statement)).one()

    async def history(self, session_id: UUID) -> History:
        async with AsyncSession(self._engine) as session:
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

    async def node(self, node_id: UUID) -> NodeView | None:
        return await self._get(NodeView, node_id)

    async def session_nodes(self, session_id: UUID) -> list[NodeView]:
        async with AsyncSession(self._engine) as session:
            return list(
                await session.exec(select(NodeView).where(NodeView.session_id == session_id))
            )

    async def message_texts(self, chat_message_ids: Collection[UUID]) -> dict[UUID, str]:
        async with AsyncSession(self._engine) as session:
            chats = await session.exec(
                select(ChatLogView).where(col(ChatLogView.chat_message_id).in_(chat_message_ids))
            )
            return {chat.chat_message_id: chat.text for chat in chats}

    async def task(self, task_id: UUID) -> TaskView | None:
        return await self._get(TaskView, task_id)

    async def accepted_task(self, task_id: UUID) -> AcceptedTask | None:
        return await self._get(AcceptedTask, task_id)

    async def unfinished_tasks(self, session_id: UUID, kind: str | None = None) -> int:
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
        async with AsyncSession(self._engine) as session:
            return (await session.exec(statement)).one()

    async def _get(self, model: type[_M], key: UUID) -> _M | None:
        async with AsyncSession(self._engine) as session:
            return await session.get(model, key)
