"""A dataset version's data: downloaded as CSV, Parquet or Excel, or a page of its rows."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from modulardata.gateway.api.deps import ReadModelsDep, SessionDep, StorageDep, parse_id
from modulardata.gateway.api.error_responses import error_response
from modulardata.gateway.application.data_export import (
    EXPORTERS,
    MEDIA_TYPES,
    XLSX_MAX_ROWS,
    DataFormat,
    read_rows,
)
from modulardata.gateway.application.versions import stored_node
from modulardata.gateway.schemas import examples
from modulardata.gateway.schemas.data import RowsPage
from modulardata.gateway.schemas.errors import ErrorBody
from modulardata.gateway.schemas.paging import MAX_OFFSET

router = APIRouter(prefix="/v1/sessions", tags=["data"])

_NOT_FOUND = {"model": ErrorBody, "description": "node_not_found, or data_not_found."}


@router.get(
    "/{session_id}/nodes/{node_id}/data",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {
                media: {"example": examples.DOWNLOADED[kind]} for kind, media in MEDIA_TYPES.items()
            }
        },
        404: _NOT_FOUND,
        422: {
            "model": ErrorBody,
            "description": f"too_many_rows_for_xlsx: an Excel sheet holds {XLSX_MAX_ROWS} rows.",
        },
    },
)
async def get_data(
    session: SessionDep,
    node_id: str,
    rows: ReadModelsDep,
    storage: StorageDep,
    format: Annotated[DataFormat, Query(description="csv (default), parquet or xlsx")] = "csv",
) -> Response:
    """The node's data, streamed as a file download."""
    node = await stored_node(rows, storage, session.session_id, parse_id(node_id, "node"))
    if format == "xlsx" and node.row_count > XLSX_MAX_ROWS:
        # Refused before streaming starts: a sheet cannot hold the rows, and a cut file would
        # pass for the whole version.
        return error_response(
            422,
            "too_many_rows_for_xlsx",
            f"node {node.node_id} has {node.row_count} rows; an Excel sheet holds "
            f"{XLSX_MAX_ROWS}: download it as csv or parquet",
        )
    return StreamingResponse(
        EXPORTERS[format](storage, node.storage_uri),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{node.node_id}.{format}"'},
    )


@router.get(
    "/{session_id}/nodes/{node_id}/rows",
    response_model=RowsPage,
    responses={404: _NOT_FOUND},
)
async def get_rows(
    session: SessionDep,
    node_id: str,
    rows: ReadModelsDep,
    storage: StorageDep,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Index of the first row (0-based).")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="Most rows to return.")] = 50,
) -> RowsPage:
    """A page of the node's rows, as JSON; past the last row the page is empty."""
    node = await stored_node(rows, storage, session.session_id, parse_id(node_id, "node"))
    page = await asyncio.to_thread(read_rows, storage, node.storage_uri, offset, limit)
    return RowsPage(
        node_id=node.node_id,
        columns=page.columns,
        rows=page.rows,
        offset=offset,
        limit=limit,
        total_rows=page.total_rows,
    )
