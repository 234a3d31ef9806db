"""What changed between two versions of a session's dataset."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from modulardata.gateway.api.deps import EngineDep, SessionDep, StorageDep
from modulardata.gateway.application.data_export import read_table
from modulardata.gateway.application.diffing import TableDiff, diff_tables
from modulardata.gateway.routes.data import stored_node
from modulardata.gateway.schemas.diff import NodeDiff
from modulardata.gateway.schemas.errors import ErrorBody
from modulardata.storage import ObjectStorage

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
    engine: EngineDep,
    storage: StorageDep,
) -> NodeDiff:
    """Rows added, removed and changed, columns added, removed and retyped, and changed cells
    per column, from one version to another (both are read whole into memory)."""
    before = await stored_node(session, from_node_id, engine, storage)
    after = await stored_node(session, to_node_id, engine, storage)
    diff = await asyncio.to_thread(_diff, storage, before.storage_uri, after.storage_uri)
    return NodeDiff.of(before.node_id, after.node_id, diff)


def _diff(storage: ObjectStorage, before_uri: str, after_uri: str) -> TableDiff:
    return diff_tables(read_table(storage, before_uri), read_table(storage, after_uri))
