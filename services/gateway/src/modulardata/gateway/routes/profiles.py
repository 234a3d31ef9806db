"""A version's profile: the JSON the profiler stored, or a readable text report of it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from modulardata.contracts.profile import Profile
from modulardata.gateway.api.deps import (
    ReadModelsDep,
    SessionDep,
    SettingsDep,
    StorageDep,
    parse_id,
)
from modulardata.gateway.application.profiles import ready_profile
from modulardata.gateway.schemas import examples
from modulardata.gateway.schemas.errors import ErrorBody
from modulardata.profiling.prompt import to_prompt

router = APIRouter(prefix="/v1/sessions", tags=["profiles"])

REPORT_TOKENS = 1_000_000
"""Budget of the text report: large enough that it is never cut."""


@router.get(
    "/{session_id}/nodes/{node_id}/profile",
    response_model=Profile,
    responses={
        200: {
            "content": {
                "application/json": {"example": examples.PROFILE},
                "text/plain": {"example": examples.PROFILE_REPORT},
            }
        },
        404: {"model": ErrorBody, "description": "Unknown node, or profile_not_ready."},
    },
)
async def get_profile(
    session: SessionDep,
    node_id: str,
    rows: ReadModelsDep,
    storage: StorageDep,
    settings: SettingsDep,
    format: Annotated[Literal["json", "text"], Query(description="json (default) or text")] = (
        "json"
    ),
) -> Profile | PlainTextResponse:
    """The profile of a version: columns, statistics and findings with suggested fixes."""
    node = parse_id(node_id, "node")
    profile = await ready_profile(rows, storage, session.session_id, node, settings.profile_wait_s)
    if format == "text":
        return PlainTextResponse(to_prompt(profile, REPORT_TOKENS))
    return profile
