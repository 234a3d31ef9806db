"""A session's versions whose data is in storage: one to read, or two compared."""

from __future__ import annotations

import asyncio
from uuid import UUID

from modulardata.gateway.application import read_models
from modulardata.gateway.application.data_export import read_table
from modulardata.gateway.application.diffing import TableDiff, diff_tables
from modulardata.gateway.application.read_models import ReadModels
from modulardata.gateway.exceptions import NotFound
from modulardata.readmodels.views import NodeView
from modulardata.storage import ObjectStorage


async def stored_node(
    rows: ReadModels, storage: ObjectStorage, session_id: UUID, node_id: UUID
) -> NodeView:
    """A node of the session whose data is in storage; NotFound otherwise."""
    node = await read_models.session_node(rows, session_id, node_id)
    if not await asyncio.to_thread(storage.exists, node.storage_uri):
        raise NotFound(f"the data of node {node.node_id} is missing", code="data_not_found")
    return node


async def diff_nodes(
    rows: ReadModels, storage: ObjectStorage, session_id: UUID, before_id: UUID, after_id: UUID
) -> tuple[NodeView, NodeView, TableDiff]:
    """Both nodes and what changed from the first to the second (both read whole into memory)."""
    before = await stored_node(rows, storage, session_id, before_id)
    after = await stored_node(rows, storage, session_id, after_id)
    diff = await asyncio.to_thread(_diff, storage, before.storage_uri, after.storage_uri)
    return before, after, diff


def _diff(storage: ObjectStorage, before_uri: str, after_uri: str) -> TableDiff:
    return diff_tables(read_table(storage, before_uri), read_table(storage, after_uri))
