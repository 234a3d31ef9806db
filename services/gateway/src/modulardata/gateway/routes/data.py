"""Downloading a dataset version as CSV or Parquet."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from modulardata.gateway import queries
from modulardata.gateway.dataexport import MEDIA_TYPES, DataFormat, csv_chunks, parquet_chunks
from modulardata.gateway.deps import EngineDep, SessionDep, StorageDep, parse_id
from modulardata.gateway.exceptions import NotFound
from modulardata.gateway.schemas import ErrorBody

router = APIRouter(prefix="/v1/sessions", tags=["data"])


@router.get(
    "/{session_id}/nodes/{node_id}/data",
    response_class=StreamingResponse,
    responses={
        200: {"content": {media_type: {} for media_type in MEDIA_TYPES.values()}},
        404: {"model": ErrorBody},
    },
)
async def get_data(
    session: SessionDep,
    node_id: str,
    engine: EngineDep,
    storage: StorageDep,
    format: Annotated[DataFormat, Query(description="csv (default) or parquet")] = "csv",
) -> StreamingResponse:
    """The node's data, streamed as a file download."""
    node = await queries.session_node(engine, session.session_id, parse_id(node_id, "node"))
    if not await asyncio.to_thread(storage.exists, node.storage_uri):
        raise NotFound(f"the data of node {node.node_id} is missing", code="data_not_found")
    chunks = (csv_chunks if format == "csv" else parquet_chunks)(storage, node.storage_uri)
    return StreamingResponse(
        chunks,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{node.node_id}.{format}"'},
    )
