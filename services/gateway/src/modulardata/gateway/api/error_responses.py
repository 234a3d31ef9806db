"""The one place errors become HTTP responses, always `{"error": {"code", "message"}}` (with
`field` when a request field was refused)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from uuid import UUID

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match

from modulardata.contracts.limits import LimitExceeded
from modulardata.gateway.exceptions import (
    BadUpload,
    Conflict,
    Forbidden,
    GatewayError,
    MissingFilePart,
    NotFound,
    TooManyRequests,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
    UploadRejected,
)
from modulardata.storage import StorageError

log = logging.getLogger(__name__)

STATUS: dict[type[GatewayError], int] = {
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    BadUpload: 400,
    MissingFilePart: 422,
    UnsupportedMediaType: 415,
    Unavailable: 503,
    Conflict: 409,
    UploadRejected: 422,
    TooManyRequests: 429,
}

UPLOAD_REJECTION_STATUS: dict[str, int] = {
    "empty_file": 400,
    "header_only": 400,
    "too_large": 413,
    "upload_too_large": 413,
    "decompressed_too_large": 413,
    "not_text": 415,
}
"""Status of an upload refused for a reason (by the profiler, or at the door for a limit);
any other reason (too many rows or columns, a value too large, ...) is a 422."""


def error_body(
    code: str, message: str, task_id: UUID | None = None, field: str | None = None
) -> dict[str, dict[str, str]]:
    """The JSON body of every error response; `task_id` when a task was made, `field` when
    one field of the request was refused."""
    detail = {"code": code, "message": message}
    if task_id is not None:
        detail["task_id"] = str(task_id)
    if field is not None:
        detail["field"] = field
    return {"error": detail}


def error_response(
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    task_id: UUID | None = None,
    field: str | None = None,
) -> JSONResponse:
    """An error response in the gateway's one shape."""
    body = error_body(code, message, task_id, field)
    return JSONResponse(body, status_code=status, headers=headers)


def status_of(exc: GatewayError) -> int:
    """The HTTP status of a gateway error: that of its nearest mapped class."""
    if isinstance(exc, UploadRejected):
        return UPLOAD_REJECTION_STATUS.get(exc.code, STATUS[UploadRejected])
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def gateway_error_response(exc: GatewayError) -> JSONResponse:
    """The response of a gateway error, with its Retry-After if it has one."""
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else {}
    if exc.retry_after_s is not None:
        headers["Retry-After"] = str(exc.retry_after_s)
    return error_response(status_of(exc), exc.code, exc.message, headers, exc.task_id)


async def _gateway_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GatewayError)
    response = gateway_error_response(exc)
    if response.status_code == 503 and exc.retry_after_s is None:
        response.headers.update(_retry_later(request))
    return response


def _retry_later(request: Request) -> dict[str, str]:
    """The Retry-After of a backend that failed."""
    return {"Retry-After": str(request.app.state.resources.settings.unavailable_retry_after_s)}


async def _limit_exceeded(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LimitExceeded)
    return error_response(UPLOAD_REJECTION_STATUS.get(exc.code, 422), exc.code, exc.message)


ALLOW_PROBED = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> str:
    """Every method some route serves at the request's path, for `Allow`.

    Starlette answers a 405 with the methods of the first route that matched the path only,
    which leaves out the others on it (e.g. GET beside POST /v1/sessions).
    """
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in ALLOW_PROBED
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    # Routing and framework errors: unknown routes (404), wrong methods (405) and the like.
    assert isinstance(exc, HTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    code = phrase.lower().replace(" ", "_").replace("-", "_")
    message = exc.detail if isinstance(exc.detail, str) else phrase
    headers = dict(exc.headers or {})
    if exc.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        headers["Allow"] = allowed_methods(request)
    return error_response(exc.status_code, code, message, headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    # The request bodies use the contracts' text types: what the rest of the stack could not
    # store is refused here, before anything is published, naming the field.
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    fields = [".".join(str(part) for part in error["loc"]) for error in errors]
    problems = "; ".join(
        f"{field}: {error['msg']}" if field else error["msg"]
        for field, error in zip(fields, errors, strict=True)
    )
    field = fields[0] if fields and fields[0] else None
    return error_response(422, "validation_error", problems or "invalid request", field=field)


async def _backend_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("backend failure on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        503, "unavailable", "a backing service is unavailable; try again", _retry_later(request)
    )


async def _client_gone(request: Request, exc: Exception) -> JSONResponse:
    # Nobody will read this answer; it only keeps a routine event out of the error log.
    return error_response(400, "client_disconnected", "the client went away mid-request")


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # The server logs the exception itself: Starlette re-raises it after this response.
    return error_response(500, "internal_error", "internal server error")


def install_error_handlers(app: FastAPI) -> None:
    """Make every error the app can raise answer in the gateway's error shape."""
    app.add_exception_handler(GatewayError, _gateway_error)
    app.add_exception_handler(LimitExceeded, _limit_exceeded)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DBAPIError, _backend_error)
    app.add_exception_handler(PoolTimeout, _backend_error)
    app.add_exception_handler(StorageError, _backend_error)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(Exception, _unexpected_error)
