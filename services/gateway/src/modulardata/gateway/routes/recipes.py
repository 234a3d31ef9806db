"""A version's recipe: the JSON to replay it elsewhere, or a script that rebuilds it."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from modulardata.gateway.deps import EngineDep, SessionDep, StorageDep, parse_id
from modulardata.gateway.errors import error_response
from modulardata.gateway.exceptions import NotFound
from modulardata.gateway.lineage import lineage
from modulardata.gateway.recipes import Recipe, RecipeError, build_recipe, render_python
from modulardata.gateway.schemas import ErrorBody
from modulardata.profiler.profiles import load_profile
from modulardata.storage import ObjectNotFound

router = APIRouter(prefix="/v1/sessions", tags=["recipes"])

PYTHON_MEDIA_TYPE = "text/x-python; charset=utf-8"


@router.get(
    "/{session_id}/nodes/{node_id}/recipe",
    response_model=Recipe,
    responses={
        200: {"content": {PYTHON_MEDIA_TYPE: {}}},
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
    engine: EngineDep,
    storage: StorageDep,
    format: Annotated[
        Literal["json", "python"], Query(description="json (default) or python (a script)")
    ] = "json",
) -> Recipe | Response:
    """Every step from the upload to this version: as JSON to replay on another session, or as
    a Python script that rebuilds the version from the original file."""
    path = await lineage(engine, session.session_id, parse_id(node_id, "node"))
    root = path.nodes[0]
    if root.profile_uri is None:
        return _conflict(
            "profile_not_ready",
            f"the upload of node {root.node_id} is still being profiled; try again shortly",
        )
    try:
        profile = await asyncio.to_thread(load_profile, storage, root.profile_uri)
    except ObjectNotFound:
        raise NotFound(
            f"the profile of node {root.node_id} is missing", code="profile_not_found"
        ) from None
    try:
        recipe = build_recipe(path.nodes, profile, path.messages)
    except RecipeError as exc:
        return _conflict("recipe_unavailable", str(exc))
    if format == "python":
        return Response(
            render_python(recipe),
            media_type=PYTHON_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="recipe-{recipe.node_id}.py"'},
        )
    return recipe


def _conflict(code: str, message: str) -> JSONResponse:
    # 409 has no gateway exception yet; this answers in the same error shape errors.py uses.
    return error_response(409, code, message)
