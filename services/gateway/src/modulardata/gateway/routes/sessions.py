"""Sessions: create one, read it, read its history, delete it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from modulardata.gateway.api.deps import (
    BusDep,
    EngineDep,
    OwnerDep,
    ReadModelsDep,
    SessionDep,
    SettingsDep,
)
from modulardata.gateway.application import sessions
from modulardata.gateway.schemas.paging import MAX_OFFSET
from modulardata.gateway.schemas.sessions import (
    CreateSessionRequest,
    HistoryResponse,
    SessionCreatedResponse,
    SessionDeletingResponse,
    SessionListResponse,
    SessionResponse,
)

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])


@router.post("", status_code=201)
async def create_session(
    owner: OwnerDep,
    engine: EngineDep,
    bus: BusDep,
    response: Response,
    body: CreateSessionRequest | None = None,
) -> SessionCreatedResponse:
    """Create a session owned by the caller; its id may be used in the very next request."""
    name = body.name if body else None
    accepted = await sessions.create_session(engine, bus, owner, name)
    response.headers["Location"] = f"/v1/sessions/{accepted.session_id}"
    return SessionCreatedResponse(
        session_id=accepted.session_id, name=accepted.name, created_at=accepted.created_at
    )


@router.get("")
async def list_sessions(
    owner: OwnerDep,
    rows: ReadModelsDep,
    limit: Annotated[int, Query(ge=1, le=200, description="Sessions per page.")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Sessions to skip.")] = 0,
) -> SessionListResponse:
    """The caller's sessions, newest first."""
    page, total = await rows.sessions(owner, limit=limit, offset=offset)
    return SessionListResponse(
        sessions=[SessionResponse.of(view, count) for view, count in page],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{session_id}")
async def get_session(session: SessionDep, rows: ReadModelsDep) -> SessionResponse:
    """The session, its head and how many versions it has."""
    return SessionResponse.of(session, await rows.node_count(session.session_id))


@router.get("/{session_id}/history")
async def get_history(session: SessionDep, rows: ReadModelsDep) -> HistoryResponse:
    """Every version of the session and its whole conversation."""
    return HistoryResponse.of(session, await rows.history(session.session_id))


@router.delete(
    "/{session_id}",
    status_code=204,
    response_class=Response,
    responses={202: {"model": SessionDeletingResponse, "description": "Still being deleted."}},
)
async def delete_session(
    session: SessionDep, owner: OwnerDep, rows: ReadModelsDep, bus: BusDep, settings: SettingsDep
) -> Response:
    """Delete the session for good: its uploads and versions leave storage, its history and
    its events become unreadable; 202 if that takes longer than the wait."""
    gone = await sessions.delete_session(
        rows, bus, owner, session.session_id, settings.session_wait_s
    )
    if gone:
        return Response(status_code=204)
    pending = SessionDeletingResponse(session_id=session.session_id)
    return JSONResponse(pending.model_dump(mode="json"), status_code=202)
