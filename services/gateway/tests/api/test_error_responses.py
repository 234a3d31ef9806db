"""Every error answers as `{"error": {"code", "message"}}`, whatever raised it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from modulardata.contracts.limits import DatasetLimits
from modulardata.gateway.api.admission import session_has_room
from modulardata.gateway.api.deps import authenticate, owned_session
from modulardata.gateway.config import GatewaySettings
from modulardata.gateway.main import create_app
from modulardata.readmodels.views import SessionView

# Nothing listens on port 1: every database call fails at once.
DOWN_DATABASE = "postgresql://postgres@127.0.0.1:1/none"


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    settings = GatewaySettings(
        database_url=DOWN_DATABASE,
        storage_url=tmp_path.as_uri(),
        create_topics=False,
        limits=DatasetLimits(upload_bytes=1000),
    )
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http


@pytest.fixture
def signed_in(app: FastAPI) -> None:
    """The caller is authenticated and owns the session in the path, which has room for a task,
    without a database."""
    now = datetime.now(UTC)
    session = SessionView(
        session_id=uuid4(), owner="key_test", name=None, created_at=now, updated_at=now
    )
    app.dependency_overrides[authenticate] = lambda: "key_test"
    app.dependency_overrides[owned_session] = lambda: session
    app.dependency_overrides[session_has_room] = lambda: None


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"]) <= {"code", "message", "field"}
    assert body["error"]["message"]
    assert "Traceback" not in response.text
    error: dict[str, Any] = body["error"]
    return error


async def test_an_unknown_route_is_a_404(client: httpx.AsyncClient) -> None:
    assert error_of(await client.get("/v1/nope"), 404)["code"] == "not_found"


async def test_a_wrong_method_is_a_405_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.delete("/healthz")
    assert error_of(response, 405)["code"] == "method_not_allowed"
    assert "GET" in response.headers["allow"]


async def test_allow_lists_the_methods_of_every_route_on_the_path(
    client: httpx.AsyncClient,
) -> None:
    response = await client.options("/v1/sessions")
    error_of(response, 405)
    assert {"GET", "POST"} <= set(response.headers["allow"].split(", "))


@pytest.mark.parametrize("headers", [{}, {"Authorization": "x"}, {"Authorization": "Basic a"}])
async def test_no_key_is_a_401_with_a_bearer_challenge(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    for response in (
        await client.post("/v1/sessions", json={}, headers=headers),
        await client.get(f"/v1/sessions/{uuid4()}/history", headers=headers),
        await client.get(f"/v1/tasks/{uuid4()}", headers=headers),
    ):
        assert error_of(response, 401)["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"


async def test_a_database_outage_is_a_503(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/sessions/{uuid4()}", headers={"Authorization": "Bearer k"})
    assert error_of(response, 503)["code"] == "unavailable"
    assert response.headers["Retry-After"] == "2"
    health = await client.get("/healthz")
    assert error_of(health, 503)["code"] == "database_unavailable"
    assert health.headers["Retry-After"] == "2"


@pytest.mark.usefixtures("signed_in")
@pytest.mark.parametrize("body", [{"name": 5}, {"name": "x" * 201}, {"nom": "x"}, [1]])
async def test_an_invalid_body_is_a_422(client: httpx.AsyncClient, body: Any) -> None:
    error = error_of(await client.post("/v1/sessions", json=body), 422)
    assert error["code"] == "validation_error"


@pytest.mark.usefixtures("signed_in")
@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "a\\u0000b"}',
        b'{"name": "lone \\ud800 surrogate"}',
        b'{"name": "' + b"x" * 1_000_000 + b'"}',
    ],
    ids=["nul", "lone_surrogate", "one_megabyte"],
)
async def test_a_name_no_store_takes_is_a_422_naming_the_field(
    client: httpx.AsyncClient, raw: bytes
) -> None:
    response = await client.post(
        "/v1/sessions", content=raw, headers={"Content-Type": "application/json"}
    )
    error = error_of(response, 422)
    assert (error["code"], error["field"]) == ("validation_error", "body.name")


@pytest.mark.usefixtures("signed_in")
@pytest.mark.parametrize("text", ["drop \x00 rows", "\udfff", "x" * 4001, "   "])
async def test_a_chat_message_no_store_takes_is_a_422(client: httpx.AsyncClient, text: str) -> None:
    # json.dumps escapes a lone surrogate as JSON allows ("\\udfff"); httpx's json= cannot.
    response = await client.post(
        f"/v1/sessions/{uuid4()}/messages",
        content=json.dumps({"message": text}),
        headers={"Content-Type": "application/json"},
    )
    assert error_of(response, 422)["field"] == "body.message"


@pytest.mark.usefixtures("signed_in")
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/sessions?offset=1099511627776", "query.offset"),
        ("/v1/sessions?offset=-1", "query.offset"),
        ("/v1/sessions?limit=0", "query.limit"),
        ("/v1/sessions?limit=201", "query.limit"),
        (f"/v1/sessions/{uuid4()}/nodes/{uuid4()}/rows?offset=2147483648", "query.offset"),
        (f"/v1/sessions/{uuid4()}/nodes/{uuid4()}/rows?limit=1001", "query.limit"),
    ],
)
async def test_a_page_out_of_range_is_a_422(
    client: httpx.AsyncClient, path: str, field: str
) -> None:
    assert error_of(await client.get(path), 422)["field"] == field


@pytest.mark.usefixtures("signed_in")
async def test_an_unknown_data_format_is_a_422(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/sessions/{uuid4()}/nodes/{uuid4()}/data?format=xls")
    assert "format" in error_of(response, 422)["message"]


@pytest.mark.usefixtures("signed_in")
async def test_a_malformed_id_names_nothing(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/sessions/{uuid4()}/nodes/not-a-node/data")
    assert error_of(response, 404)["code"] == "node_not_found"
    assert error_of(await client.get("/v1/tasks/not-a-task"), 404)["code"] == "task_not_found"


@pytest.mark.usefixtures("signed_in")
async def test_an_upload_that_is_not_multipart_is_a_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"/v1/sessions/{uuid4()}/datasets",
        content=b"a,b\n1,2\n",
        headers={"Content-Type": "text/csv"},
    )
    assert error_of(response, 415)["code"] == "unsupported_media_type"


@pytest.mark.usefixtures("signed_in")
async def test_an_upload_declared_too_large_is_a_413(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    response = await client.post(
        f"/v1/sessions/{uuid4()}/datasets", files={"file": ("d.csv", b"a\n" * 100_000)}
    )
    error = error_of(response, 413)
    assert error["code"] == "upload_too_large"
    assert "limit of 1,000 bytes (MODULARDATA_LIMIT_UPLOAD_BYTES)" in error["message"]
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


async def test_an_unexpected_failure_is_a_500_without_details(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/explode", explode)
    response = await client.get("/explode")
    assert error_of(response, 500)["code"] == "internal_error"
    assert "secret internals" not in response.text
