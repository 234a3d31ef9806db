"""Failures the gateway reports to clients; `errors.py` maps each one to an HTTP status."""

from __future__ import annotations

from uuid import UUID


class GatewayError(Exception):
    """Base of every gateway failure; `code` is the machine-readable error code clients see."""

    code = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        task_id: UUID | None = None,
        retry_after_s: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.task_id = task_id
        self.retry_after_s = retry_after_s
        """When set, answered as `Retry-After`: the client may try again after this long."""
        if code is not None:
            self.code = code


class Unauthorized(GatewayError):
    """No valid API key came with the request."""

    code = "unauthorized"


class Forbidden(GatewayError):
    """The API key is valid but may not do this (a read-only key asking to write)."""

    code = "forbidden"


class NotFound(GatewayError):
    """The resource does not exist, or belongs to another API key."""

    code = "not_found"


class BadUpload(GatewayError):
    """The upload is malformed or its content is unusable."""

    code = "bad_upload"


class UploadRejected(GatewayError):
    """The profiler could not read the upload; `code` is its reason (e.g. 'header_only')."""

    code = "unreadable"


class MissingFilePart(GatewayError):
    """The multipart body has no `file` part."""

    code = "missing_file"


class UnsupportedMediaType(GatewayError):
    """The request body or the uploaded file is of a type the gateway does not accept."""

    code = "unsupported_media_type"


class Unavailable(GatewayError):
    """A backing service (Kafka, PostgreSQL, storage) cannot be reached right now."""

    code = "unavailable"


class Conflict(GatewayError):
    """The request does not fit the resource's current state (e.g. chat before any upload)."""

    code = "conflict"


class TooManyRequests(GatewayError):
    """The caller is over its rate limit, or its session's queue is full; retry later."""

    code = "rate_limited"
