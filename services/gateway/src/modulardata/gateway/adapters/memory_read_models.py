"""The read models and the gateway's records in memory, behind the `ReadModels` port, for tests
without a database: rows go in with `add`, and read back as PostgreSQL would answer."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from sqlmodel import SQLModel

from modulardata.contracts.tasks import FINISHED_STATUSES
from modulardata.gateway.adapters.gateway_tables import AcceptedSession, AcceptedTask
from modulardata.gateway.application.read_models import UNSEEN_EXPIRY, History
from modulardata.readmodels.views import ChatLogView, NodeView, SessionView, TaskView

_M = TypeVar("_M", bound=SQLModel)


class MemoryReadModels:
    """Rows by key, one table each, as the tables they stand for."""

    def __init__(self) -> None:
        self._tables: dict[type[SQLModel], dict[UUID, SQLModel]] = {model: {} for model in _KEYS}

    def add(self, *rows: SQLModel) -> None:
        """Insert or replace rows of the tables read here (a copy of each is kept)."""
        for row in rows:
            key: UUID = getattr(row, _KEYS[type(row)])
            self._tables[type(row)][key] = row.model_copy()

    async def session(self, session_id: UUID, owner: str | None = None) -> SessionView | None:
        served = self._served_sessions().get(session_id)
        return served if served is not None and owner in (None, served.owner) else None

    async def projected_session(self, session_id: UUID) -> SessionView | None:
        return self._row(SessionView, session_id)

    async def sessions(
        self, owner: str, *, limit: int, offset: int
    ) -> tuple[list[tuple[SessionView, int]], int]:
        owned = [s for s in self._served_sessions().values() if s.owner == owner]
        owned.sort(key=lambda s: s.session_id)
        owned.sort(key=lambda s: s.created_at, reverse=True)
        page = owned[offset : offset + limit]
        return [(s, await self.node_count(s.session_id)) for s in page], len(owned)

    async def node_count(self, session_id: UUID) -> int:
        return len(await self.session_nodes(session_id))

    async def history(self, session_id: UUID) -> History:
        messages = [m for m in self._rows(ChatLogView) if m.session_id == session_id]
        return History(
            nodes=sorted(await self.session_nodes(session_id), key=lambda n: n.position),
            messages=sorted(messages, key=lambda m: m.position),
        )

    async def node(self, node_id: UUID) -> NodeView | None:
        return self._row(NodeView, node_id)

    async def session_nodes(self, session_id: UUID) -> list[NodeView]:
        return [n for n in self._rows(NodeView) if n.session_id == session_id]

    async def message_texts(self, chat_message_ids: Collection[UUID]) -> dict[UUID, str]:
        found = (self._row(ChatLogView, i) for i in chat_message_ids)
        return {chat.chat_message_id: chat.text for chat in found if chat is not None}

    async def task(self, task_id: UUID) -> TaskView | None:
        return self._row(TaskView, task_id)

    async def accepted_task(self, task_id: UUID) -> AcceptedTask | None:
        return self._row(AcceptedTask, task_id)

    async def unfinished_tasks(self, session_id: UUID, kind: str | None = None) -> int:
        seen_since = datetime.now(UTC) - UNSEEN_EXPIRY

        def unfinished(accepted: AcceptedTask) -> bool:
            view = self._row(TaskView, accepted.task_id)
            if view is None:
                return accepted.created_at > seen_since
            return view.status not in FINISHED_STATUSES

        return sum(
            1
            for accepted in self._rows(AcceptedTask)
            if accepted.session_id == session_id
            and kind in (None, accepted.kind)
            and unfinished(accepted)
        )

    def _served_sessions(self) -> dict[UUID, SessionView]:
        """Every session `session` serves, by id (see the port)."""
        served: dict[UUID, SessionView] = {}
        for view in self._rows(SessionView):
            accepted = self._row(AcceptedSession, view.session_id)
            created_at = view.created_at if accepted is None else accepted.created_at
            served[view.session_id] = view.model_copy(update={"created_at": created_at})
        seen_since = datetime.now(UTC) - UNSEEN_EXPIRY
        for pending in self._rows(AcceptedSession):
            if pending.session_id not in served and pending.created_at > seen_since:
                served[pending.session_id] = SessionView(
                    session_id=pending.session_id,
                    owner=pending.owner,
                    name=pending.name,
                    head_node_id=None,
                    created_at=pending.created_at,
                    updated_at=pending.created_at,
                )
        return served

    def _row(self, model: type[_M], key: UUID) -> _M | None:
        row = self._tables[model].get(key)
        return None if row is None else model.model_validate(row)

    def _rows(self, model: type[_M]) -> list[_M]:
        return [model.model_validate(row) for row in self._tables[model].values()]


_KEYS: dict[type[SQLModel], str] = {
    SessionView: "session_id",
    NodeView: "node_id",
    ChatLogView: "chat_message_id",
    TaskView: "task_id",
    AcceptedSession: "session_id",
    AcceptedTask: "task_id",
}
"""The tables read here and each one's primary key."""
