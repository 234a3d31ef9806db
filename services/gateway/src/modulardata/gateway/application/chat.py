"""Chatting with a session and moving its head: each is a task of the session's queue."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.contracts.commands import MoveHead, SendChatMessage
from modulardata.contracts.text import ChatText
from modulardata.gateway.application import read_models
from modulardata.gateway.application.read_models import ReadModels
from modulardata.gateway.application.sessions import require_dataset
from modulardata.gateway.application.tasks import accept_session_task
from modulardata.gateway.exceptions import Conflict
from modulardata.messaging.bus import Bus
from modulardata.readmodels.views import SessionView


async def send_message(
    engine: AsyncEngine,
    rows: ReadModels,
    bus: Bus,
    *,
    owner: str,
    session: SessionView,
    text: ChatText,
    wait_s: float,
) -> tuple[UUID, UUID]:
    """Accept the message's task once the session has a dataset (an upload being read is waited
    for up to `wait_s`); returns the task id and the message id."""
    await require_dataset(session, rows, wait_s)
    message_id = uuid4()
    command = SendChatMessage(session_id=session.session_id, chat_message_id=message_id, text=text)
    task_id = await accept_session_task(
        engine, bus, owner=owner, session_id=session.session_id, kind="chat", command=command
    )
    return task_id, message_id


@dataclass(frozen=True)
class HeadMove:
    """A head move accepted: moved once `head_node_id` is set, else still queued or running."""

    task_id: UUID
    head_node_id: UUID | None
    running: bool


async def move_head(
    engine: AsyncEngine,
    rows: ReadModels,
    bus: Bus,
    *,
    owner: str,
    session: SessionView,
    node_id: UUID,
    wait_s: float,
) -> HeadMove:
    """Accept the move of the head to a node of the session, and wait up to `wait_s` for it;
    Conflict if the move failed."""
    await read_models.session_node(rows, session.session_id, node_id)
    command = MoveHead(session_id=session.session_id, node_id=node_id)
    task_id = await accept_session_task(
        engine, bus, owner=owner, session_id=session.session_id, kind="head_move", command=command
    )
    view = await read_models.wait_for_task(rows, task_id, wait_s)
    if view is None or view.status not in ("succeeded", "failed"):
        return HeadMove(task_id, head_node_id=None, running=view is not None)
    if view.status == "failed" or view.node_id is None:
        raise Conflict(view.error or "the head could not be moved", code=view.error_code)
    return HeadMove(task_id, head_node_id=view.node_id, running=False)
