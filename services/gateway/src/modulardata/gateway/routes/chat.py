"""Chatting with a session, and moving through its timeline: messages, head moves, branches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Response

from modulardata.contracts.tasks import TaskStatus
from modulardata.gateway.api.admission import session_has_room
from modulardata.gateway.api.deps import (
    BusDep,
    EngineDep,
    OwnerDep,
    ReadModelsDep,
    SessionDep,
    SettingsDep,
)
from modulardata.gateway.application import chat
from modulardata.gateway.schemas.chat import (
    BranchesResponse,
    ChatAcceptedResponse,
    ChatMessageRequest,
    HeadResponse,
    MoveHeadRequest,
)
from modulardata.gateway.schemas.errors import ErrorBody
from modulardata.gateway.schemas.tasks import TaskAcceptedResponse

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
    rows: ReadModelsDep,
    bus: BusDep,
    settings: SettingsDep,
    response: Response,
) -> ChatAcceptedResponse:
    """Ask for a change in plain English; the session's messages are answered in order.

    Follow the task at GET /v1/tasks/{task_id} (or its /events stream): it ends `succeeded`
    with a new version (or a head move, for "undo that"), `failed` with the reason, or
    `needs_input` with a question to answer in a next message.
    """
    task_id, message_id = await chat.send_message(
        engine,
        rows,
        bus,
        owner=owner,
        session=session,
        text=body.message,
        wait_s=settings.upload_wait_s,
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
    rows: ReadModelsDep,
    bus: BusDep,
    settings: SettingsDep,
    response: Response,
) -> HeadResponse | TaskAcceptedResponse:
    """Make a version the head (rollback, or redo): the next message applies to it, so a
    message after a rollback starts a branch. Runs after the messages sent before it; 202 with
    the task if that takes longer than the wait."""
    previous = session.head_node_id
    move = await chat.move_head(
        engine,
        rows,
        bus,
        owner=owner,
        session=session,
        node_id=body.node_id,
        wait_s=settings.session_wait_s,
    )
    response.headers["Location"] = f"/v1/tasks/{move.task_id}"
    if move.head_node_id is None:
        response.status_code = 202
        status: TaskStatus = "running" if move.running else "queued"
        return TaskAcceptedResponse(
            task_id=move.task_id, session_id=session.session_id, status=status
        )
    return HeadResponse(
        session_id=session.session_id,
        task_id=move.task_id,
        head_node_id=move.head_node_id,
        previous_node_id=previous,
    )


@router.get("/{session_id}/branches")
async def list_branches(session: SessionDep, rows: ReadModelsDep) -> BranchesResponse:
    """The tips of the version tree: one per branch, newest first."""
    history = await rows.history(session.session_id)
    return BranchesResponse.of(session.session_id, session.head_node_id, history)
