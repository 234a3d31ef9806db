"""The body of every error response, and of an upload's (which may name the task that read it)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    """What went wrong."""

    code: str = Field(description="Machine-readable error code, e.g. 'session_not_found'.")
    message: str = Field(description="What went wrong, in plain words.")


class RequestErrorDetail(ErrorDetail):
    """Why a request was refused; `field` when it was for one of its fields."""

    field: str | None = Field(
        default=None,
        description="For a 422: the first field refused, e.g. 'body.name' or 'query.offset'.",
    )


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: RequestErrorDetail


class UploadErrorDetail(RequestErrorDetail):
    """Why an upload was refused; `task_id` once the upload was accepted and then read."""

    task_id: UUID | None = Field(
        default=None, description="The task that read the file, when the profiler refused it."
    )


class UploadErrorBody(BaseModel):
    """The body of an upload's error response."""

    error: UploadErrorDetail
