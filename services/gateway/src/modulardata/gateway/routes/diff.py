"""What changed between two versions of a session's dataset."""

from __future__ import annotations

from fastapi import APIRouter

from modulardata.gateway.api.deps import ReadModelsDep, SessionDep, StorageDep, parse_id
from modulardata.gateway.application.versions import diff_nodes
from modulardata.gateway.schemas.diff import NodeDiff
from modulardata.gateway.schemas.errors import ErrorBody

router = APIRouter(prefix="/v1/sessions", tags=["data"])


@router.get(
    "/{session_id}/nodes/{from_node_id}/diff/{to_node_id}",
    response_model=NodeDiff,
    responses={404: {"model": ErrorBody, "description": "node_not_found, or data_not_found."}},
)
async def get_diff(
    session: SessionDep,
    from_node_id: str,
    to_node_id: str,
    rows: ReadModelsDep,
    storage: StorageDep,
) -> NodeDiff:
    """Rows added, removed and changed, columns added, removed and retyped, and changed cells
    per column, from one version to another (both are read whole into memory)."""
    before, after, diff = await diff_nodes(
        rows,
        storage,
        session.session_id,
        parse_id(from_node_id, "node"),
        parse_id(to_node_id, "node"),
    )
    return NodeDiff.of(before.node_id, after.node_id, diff)
