"""Uploading a CSV file into a session, streamed to storage and handed to the profiler."""

from __future__ import annotations

from uuid import uuid4

from fastapi import APIRouter, Request, Response

from modulardata.gateway import workflows
from modulardata.gateway.deps import (
    BusDep,
    EngineDep,
    OwnerDep,
    SessionDep,
    SettingsDep,
    StorageDep,
)
from modulardata.gateway.schemas import ErrorBody, TaskAcceptedResponse
from modulardata.gateway.upload import check_declared_length, receive_upload, upload_key

router = APIRouter(prefix="/v1/sessions", tags=["datasets"])

_ERRORS = {status: {"model": ErrorBody} for status in (400, 404, 413, 415, 422, 503)}
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
    storage: StorageDep,
    bus: BusDep,
) -> TaskAcceptedResponse:
    """Upload a CSV file as multipart field `file`; follow the returned task."""
    check_declared_length(request.headers.get("content-length"), settings.max_upload_bytes)
    task_id = uuid4()
    upload = await receive_upload(
        request.stream(),
        request.headers.get("content-type"),
        storage,
        upload_key(session.session_id, task_id),
        settings.max_upload_bytes,
    )
    await workflows.accept_upload(
        engine,
        bus,
        storage,
        owner=owner,
        session_id=session.session_id,
        task_id=task_id,
        upload=upload,
    )
    response.headers["Location"] = f"/v1/tasks/{task_id}"
    return TaskAcceptedResponse(task_id=task_id, session_id=session.session_id)
