"""Uploading a file into a session: streamed to storage, read by the profiler, waited for."""

from __future__ import annotations

from typing import cast

from fastapi import APIRouter, Depends, Request, Response

from modulardata.contracts.tasks import TaskStatus
from modulardata.gateway.api.admission import session_has_room
from modulardata.gateway.api.deps import (
    BusDep,
    EngineDep,
    OwnerDep,
    ReadModelsDep,
    SessionDep,
    SettingsDep,
    StorageDep,
)
from modulardata.gateway.application import datasets
from modulardata.gateway.schemas.errors import UploadErrorBody
from modulardata.gateway.schemas.tasks import TaskAcceptedResponse

router = APIRouter(prefix="/v1/sessions", tags=["datasets"])

_ERRORS = {status: {"model": UploadErrorBody} for status in (400, 404, 413, 415, 422, 503)}
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post(
    "/{session_id}/datasets",
    status_code=202,
    dependencies=[Depends(session_has_room)],
    responses=_ERRORS,  # type: ignore[arg-type]
    openapi_extra=_UPLOAD_BODY,
)
async def upload_dataset(
    request: Request,
    response: Response,
    session: SessionDep,
    owner: OwnerDep,
    settings: SettingsDep,
    engine: EngineDep,
    rows: ReadModelsDep,
    storage: StorageDep,
    bus: BusDep,
) -> TaskAcceptedResponse:
    """Upload a file as multipart field `file` (CSV, TSV, XLSX, Parquet, JSON, JSON Lines).

    Waits up to `upload_wait_s` for the file to be read: a file the profiler refuses is a 4xx
    naming the problem (with the task id); otherwise 202 with the task, finished or not.
    """
    task_id, view = await datasets.upload_dataset(
        request.stream(),
        request.headers.get("content-type"),
        request.headers.get("content-length"),
        engine,
        rows,
        bus,
        storage,
        owner=owner,
        session_id=session.session_id,
        limits=settings.limits,
        session_wait_s=settings.session_wait_s,
        upload_wait_s=settings.upload_wait_s,
    )
    response.headers["Location"] = f"/v1/tasks/{task_id}"
    status: TaskStatus = "queued" if view is None else cast(TaskStatus, view.status)
    return TaskAcceptedResponse(
        task_id=task_id,
        session_id=session.session_id,
        status=status,
        node_id=view.node_id if view is not None else None,
    )
