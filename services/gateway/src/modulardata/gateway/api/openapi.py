"""The OpenAPI document as clients (and the API fuzzer) need it: every error status an operation
can answer (with examples), `Retry-After` where a retry is due, the `Idempotency-Key` of every
POST, required discriminators, and links that say which response supplies the ids the next
request needs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from modulardata.gateway.application.idempotency import HEADER, MAX_KEY_LENGTH
from modulardata.gateway.schemas.examples import SHOWN

API_PREFIX = "/v1/"
ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    }
}
ERRORS_OF_EVERY_OPERATION = {
    "401": "unauthorized: no API key, or an unknown or revoked one.",
    "403": "forbidden: the API key may not do this (a read-only key asking to write).",
    "429": "Over the API key's rate limit, or the session's queue is full; see Retry-After.",
    "503": "A backing service is down; retry after Retry-After. `database_unavailable`: "
    "PostgreSQL does not answer; `queue_unavailable`: a write while Kafka does not answer, "
    "nothing was accepted; `queue_unconfirmed`: Kafka did not confirm a write in time, so it "
    "may still be carried out (look up the task or session the message names before sending "
    "it again); `unavailable`: a backend failed mid-request.",
}
RETRIED = frozenset({"429", "503"})
MALFORMED_BODY = "The body could not be read (a broken multipart form, a body cut short)."
UNKNOWN_ID = "An id in the path names nothing the caller owns (e.g. session_not_found)."
INVALID_REQUEST = "A parameter or the body is invalid (also a body not JSON); the message says so."

UNKNOWN = "00000000-0000-0000-0000-000000000000"
ERROR_EXAMPLES = {
    "401": [("unauthorized", "missing Authorization header (expected 'Bearer <api key>')")],
    "429": [("rate_limited", "over this API key's rate limit (1000 in any minute); retry in 1 s")],
    "503": [("database_unavailable", "the database does not answer")],
}
"""Example errors (code, message) of every operation that answers the status."""
NODE_PATH = "/v1/sessions/{session_id}/nodes/{node_id}"
ROUTE_ERROR_EXAMPLES: dict[tuple[str, str, str], list[tuple[str, str]]] = {
    ("post", "/v1/sessions", "422"): [
        ("validation_error", "body.title: Extra inputs are not permitted")
    ],
    ("get", "/v1/sessions", "422"): [
        ("validation_error", "query.limit: Input should be greater than or equal to 1")
    ],
    ("post", "/v1/sessions/{session_id}/datasets", "400"): [
        ("empty_file", "the uploaded file is empty")
    ],
    ("post", "/v1/sessions/{session_id}/datasets", "422"): [
        ("missing_file", "the multipart body has no 'file' part")
    ],
    ("post", "/v1/sessions/{session_id}/messages", "409"): [
        ("no_dataset", "upload a dataset to the session first")
    ],
    ("post", "/v1/sessions/{session_id}/messages", "422"): [
        ("validation_error", "body.message: Field required")
    ],
    ("get", f"{NODE_PATH}/data", "422"): [
        ("validation_error", "query.format: Input should be 'csv', 'parquet' or 'xlsx'")
    ],
    ("get", f"{NODE_PATH}/profile", "404"): [
        ("profile_not_ready", f"the profile of node {UNKNOWN} is not ready yet; try again shortly")
    ],
}
"""Example errors of one operation, beside those of every operation; a `validation_error`
names its field before the colon."""

IDEMPOTENCY_KEY = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "Any unique string (a UUID): a retry with the same key gets the first answer "
    "(marked `Idempotent-Replayed: true`) and is not carried out again. Kept a day by default.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
}
IDEMPOTENCY_CONFLICT = (
    "`idempotency_key_in_use`: a request with this Idempotency-Key is still being carried out "
    "(see Retry-After); `idempotency_key_reused`: the key was sent with another request."
)

ID_OF_PARAMETER = {"from_node_id": "node_id", "to_node_id": "node_id"}
"""Path parameters that take an id known by another name in responses."""

IDS_IN_RESPONSES: dict[tuple[str, str], dict[str, dict[str, str]]] = {
    ("post", "/v1/sessions"): {"201": {"session_id": "/session_id"}},
    ("get", "/v1/sessions/{session_id}"): {
        "200": {"session_id": "/session_id", "node_id": "/head_node_id"}
    },
    ("post", "/v1/sessions/{session_id}/datasets"): {
        "202": {"session_id": "/session_id", "task_id": "/task_id", "node_id": "/node_id"}
    },
    ("post", "/v1/sessions/{session_id}/messages"): {
        "202": {"session_id": "/session_id", "task_id": "/task_id"}
    },
    ("post", "/v1/sessions/{session_id}/head"): {
        "200": {"session_id": "/session_id", "task_id": "/task_id", "node_id": "/head_node_id"},
        "202": {"session_id": "/session_id", "task_id": "/task_id"},
    },
    ("post", "/v1/sessions/{session_id}/replay"): {
        "202": {"session_id": "/session_id", "task_id": "/task_id"}
    },
    ("get", "/v1/tasks/{task_id}"): {
        "200": {"session_id": "/session_id", "task_id": "/task_id", "node_id": "/result/node_id"}
    },
}
"""Where each response carries the ids other operations take (JSON pointers into its body)."""

IDS_IN_BODIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("post", "/v1/sessions/{session_id}/head"): ("node_id",),
}
"""Request bodies made of ids another response supplies."""


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, routes=app.routes, description=app.description
            )
            complete(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any]) -> None:
    """Add the errors, headers, required discriminators, examples and links the routes leave
    out."""
    for path, method, operation in _operations(document):
        if path.startswith(API_PREFIX) and method == "post":
            _take_idempotency_key(operation)
        if path.startswith(API_PREFIX):
            _document_errors(path, operation)
        _show_errors(path, method, operation)
    _require_discriminators(document["components"]["schemas"])
    for name, schema in document["components"]["schemas"].items():
        # A model read and written has a schema per mode: 'Recipe-Input', 'Recipe-Output'.
        model = name.removesuffix("-Input").removesuffix("-Output")
        if model in SHOWN:
            schema["examples"] = SHOWN[model]
    _link(document)


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _document_errors(path: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation["responses"]
    errors = dict(ERRORS_OF_EVERY_OPERATION)
    if operation.get("parameters") or "requestBody" in operation:
        errors["422"] = INVALID_REQUEST
    if "requestBody" in operation:
        errors["400"] = MALFORMED_BODY
    if "{" in path:
        errors["404"] = UNKNOWN_ID
    for status, description in errors.items():
        response = responses.setdefault(status, {"description": description, "content": ERROR_BODY})
        if status in RETRIED:
            response.setdefault("headers", {}).update(RETRY_AFTER)


def _show_errors(path: str, method: str, operation: dict[str, Any]) -> None:
    """Add example error bodies to the responses that carry them."""
    kinds = dict.fromkeys(re.findall(r"\{(?:from_|to_)?(\w+)_id\}", path))
    unknown = [(f"{kind}_not_found", f"{kind} {UNKNOWN} not found") for kind in kinds]
    for status, response in operation["responses"].items():
        shown = ERROR_EXAMPLES.get(status, unknown if status == "404" else [])
        shown = ROUTE_ERROR_EXAMPLES.get((method, path, status), []) + shown
        if not shown or "application/json" not in response.get("content", {}):
            continue
        body = {**response["content"]["application/json"]}
        body["examples"] = {
            code: {"summary": code, "value": {"error": _error(code, message)}}
            for code, message in shown
        }
        response["content"] = {**response["content"], "application/json": body}


def _error(code: str, message: str) -> dict[str, str]:
    detail = {"code": code, "message": message}
    if code == "validation_error":
        detail["field"] = message.split(":", 1)[0]
    return detail


def _take_idempotency_key(operation: dict[str, Any]) -> None:
    operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
    conflict = operation["responses"].setdefault(
        "409", {"description": "Conflict.", "content": ERROR_BODY}
    )
    conflict["description"] = f"{conflict['description'].rstrip('.')}. {IDEMPOTENCY_CONFLICT}"
    conflict.setdefault("headers", {}).update(RETRY_AFTER)


def _require_discriminators(schemas: dict[str, Any]) -> None:
    # A tag with a default is optional to JSON Schema, yet a tagged union cannot do without it.
    for schema in _subschemas(schemas):
        discriminator = schema.get("discriminator")
        if not isinstance(discriminator, dict):
            continue
        for ref in discriminator.get("mapping", {}).values():
            member = schemas[ref.rsplit("/", 1)[-1]]
            required = member.setdefault("required", [])
            if discriminator["propertyName"] not in required:
                required.append(discriminator["propertyName"])


def _subschemas(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _subschemas(value)
    elif isinstance(node, list):
        for item in node:
            yield from _subschemas(item)


def _link(document: dict[str, Any]) -> None:
    operations = list(_operations(document))
    for (method, path), by_status in IDS_IN_RESPONSES.items():
        source = document["paths"][path][method]
        for status, pointers in by_status.items():
            links = source["responses"][status].setdefault("links", {})
            for target_path, target_method, target in operations:
                if (target_path, target_method) == (path, method):
                    continue
                link = _link_to(target_path, target_method, target, pointers)
                if link is not None:
                    links[target["operationId"]] = link


def _link_to(
    path: str, method: str, operation: dict[str, Any], pointers: dict[str, str]
) -> dict[str, Any] | None:
    """A link that fills every id the operation takes from `pointers`, or None if one is
    missing."""
    link: dict[str, Any] = {"operationId": operation["operationId"]}
    parameters = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "path":
            continue
        pointer = pointers.get(ID_OF_PARAMETER.get(parameter["name"], parameter["name"]))
        if pointer is None:
            return None
        parameters[parameter["name"]] = f"$response.body#{pointer}"
    body_ids = IDS_IN_BODIES.get((method, path), ())
    if any(name not in pointers for name in body_ids):
        return None
    if not parameters:
        return None
    link["parameters"] = parameters
    if body_ids:
        link["requestBody"] = {name: f"$response.body#{pointers[name]}" for name in body_ids}
    return link
