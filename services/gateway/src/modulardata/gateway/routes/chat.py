"""Chatting with a session, and moving through its timeline: messages, head moves, branches."""

from __future__ import annotations

from typing import Annotated
from uuid import uuid4

from fastapi import APIRouter, Body, Depends, Response

from modulardata.contracts.commands import MoveHead, SendChatMessage
from modulardata.gateway.adapters import readmodel_queries
from modulardata.gateway.api.admission import session_has_room
from modulardata.gateway.api.deps import (
    BusDep,
    EngineDep,
    OwnerDep,
    SessionDep,
    SettingsDep,
    require_dataset,
)
from modulardata.gateway.application import writes
from modulardata.gateway.exceptions import Conflict
from modulardata.gateway.schemas.chat import (
    BranchesResponse,
    ChatAcceptedResponse,
    ChatMessageRequest,
    HeadResponse,
    MoveHeadRequest,
)
from modulardata.gateway.schemas.errors import ErrorBody
from modulardata.gateway.schemas.tasks import TaskAcceptedResponse, TaskStatus

router = APIRouter(prefix="/v1/sessions", tags=["chat"])

_ERRORS = {status: {"model": ErrorBody} for status in (404, 409, 422, 503)}


@router.post(
    "/{session_id}/messages",
    status_code=202,
    responses=_ERRORS,  # type: ignore[arg-type]
    dependencies=[Depends(session_has_room)],
)
async def send_message(
    body: ChatMessageRequest,
    session: SessionDep,
    owner: OwnerDep,
    engine: EngineDep,
    bus: BusDep,
    settings: SettingsDep,
    response: Response,
) -> ChatAcceptedResponse:
    """Ask for a change in plain English; the session's messages are answered in order.

    Follow the task at GET /v1/tasks/{task_id} (or its /events stream): it ends `succeeded`
    with a new version (or a head move, for "undo that"), `failed` with the reason, or
    `needs_input` with a question to answer in a next message.
    """
    await require_dataset(session, engine, settings.upload_wait_s)
    message_id = uuid4()
    command = SendChatMessage(
        session_id=session.session_id, chat_message_id=message_id, text=body.message
    )
    task_id = await writes.accept_session_task(
        engine, bus, owner=owner, session_id=session.session_id, kind="chat", command=command
    )
    response.headers["Location"] = f"/v1/tasks/{task_id}"
    return ChatAcceptedResponse(
        task_id=task_id, session_id=session.session_id, chat_message_id=message_id
    )


@router.post(
    "/{session_id}/head",
    dependencies=[Depends(session_has_room)],
    responses={202: {"model": TaskAcceptedResponse}, **_ERRORS},  # type: ignore[dict-item]
)
async def move_head(
    body: Annotated[MoveHeadRequest, Body()],
    session: SessionDep,
    owner: OwnerDep,
    engine: EngineDep,
    bus: BusDep,
    settings: SettingsDep,
    response: Response,
) -> HeadResponse | TaskAcceptedResponse:
    """Make a version the head (rollback, or redo): the next message applies to it, so a
    message after a rollback starts a branch. Runs after the messages sent before it; 202 with
    the task if that takes longer than the wait."""
    await readmodel_queries.session_node(engine, session.session_id, body.node_id)
    previous = session.head_node_id
    command = MoveHead(session_id=session.session_id, node_id=body.node_id)
    task_id = await writes.accept_session_task(
        engine, bus, owner=owner, session_id=session.session_id, kind="head_move", command=command
    )
    response.headers["Location"] = f"/v1/tasks/{task_id}"
    view = await readmodel_queries.wait_for_task(engine, task_id, settings.session_wait_s)
    if view is None or view.status not in ("succeeded", "failed"):
        response.status_code = 202
        status: TaskStatus = "queued" if view is None else "running"
        return TaskAcceptedResponse(task_id=task_id, session_id=session.session_id, status=status)
    if view.status == "failed" or view.node_id is None:
        raise Conflict(view.error or "the head could not be moved", code=view.error_code)
    return HeadResponse(
        session_id=session.session_id,
        task_id=task_id,
        head_node_id=view.node_id,
        previous_node_id=previous,
    )


@router.get("/{session_id}/branches")
async def list_branches(session: SessionDep, engine: EngineDep) -> BranchesResponse:
    """The tips of the version tree: one per branch, newest first."""
    history = await readmodel_queries.history(engine, session.session_id)
    return BranchesResponse.of(session.session_id, session.head_node_id, history)
