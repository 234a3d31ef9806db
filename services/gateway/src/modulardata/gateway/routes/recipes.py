"""A version's recipe: the JSON to replay it elsewhere, or a script that rebuilds it; and
replaying a recipe on a session."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from modulardata.gateway.api.admission import session_has_room
from modulardata.gateway.api.deps import (
    BusDep,
    EngineDep,
    OwnerDep,
    ReadModelsDep,
    SessionDep,
    SettingsDep,
    StorageDep,
    parse_id,
)
from modulardata.gateway.application import recipes
from modulardata.gateway.application.recipe_script import render_python
from modulardata.gateway.schemas import examples
from modulardata.gateway.schemas.errors import ErrorBody
from modulardata.gateway.schemas.recipes import Recipe, ReplayRequest
from modulardata.gateway.schemas.tasks import TaskAcceptedResponse

router = APIRouter(prefix="/v1/sessions", tags=["recipes"])

PYTHON_MEDIA_TYPE = "text/x-python; charset=utf-8"


@router.get(
    "/{session_id}/nodes/{node_id}/recipe",
    response_model=Recipe,
    responses={
        200: {"content": {PYTHON_MEDIA_TYPE: {"example": examples.PYTHON_RECIPE}}},
        404: {"model": ErrorBody, "description": "Unknown node, or profile_not_found."},
        409: {
            "model": ErrorBody,
            "description": "profile_not_ready (the upload is still being profiled), or "
            "recipe_unavailable (a version on the way has no plan to replay).",
        },
    },
)
async def get_recipe(
    session: SessionDep,
    node_id: str,
    rows: ReadModelsDep,
    storage: StorageDep,
    format: Annotated[
        Literal["json", "python"], Query(description="json (default) or python (a script)")
    ] = "json",
) -> Recipe | Response:
    """Every step from the upload to this version: as JSON to replay on another session, or as
    a Python script that rebuilds the version from the original file."""
    recipe = await recipes.recipe_of(rows, storage, session.session_id, parse_id(node_id, "node"))
    if format == "python":
        return Response(
            render_python(recipe),
            media_type=PYTHON_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="recipe-{recipe.node_id}.py"'},
        )
    return recipe


@router.post(
    "/{session_id}/replay",
    status_code=202,
    dependencies=[Depends(session_has_room)],
    responses={status: {"model": ErrorBody} for status in (404, 409, 422, 503)},
)
async def replay_recipe(
    body: ReplayRequest,
    session: SessionDep,
    owner: OwnerDep,
    engine: EngineDep,
    rows: ReadModelsDep,
    bus: BusDep,
    settings: SettingsDep,
    response: Response,
) -> TaskAcceptedResponse:
    """Apply a recipe's steps (from GET .../recipe?format=json, of any session) to this
    session's head, as one new version; follow the task at GET /v1/tasks/{task_id}."""
    task_id = await recipes.replay_recipe(
        engine,
        rows,
        bus,
        owner=owner,
        session=session,
        recipe=body.recipe,
        wait_s=settings.upload_wait_s,
    )
    response.headers["Location"] = f"/v1/tasks/{task_id}"
    return TaskAcceptedResponse(task_id=task_id, session_id=session.session_id, status="queued")
