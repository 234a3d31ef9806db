"""Bad requests get a clear 4xx JSON error and change nothing."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.integration.conftest import MAX_UPLOAD_BYTES, new_session, upload
from tests.support.stack import Stack


def _error(response: httpx.Response, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text
    body: dict[str, dict[str, str]] = response.json()
    assert body["error"]["code"] and body["error"]["message"]
    assert "Traceback" not in response.text
    return body["error"]


def test_binary_upload_is_refused(client: httpx.Client) -> None:
    session_id = new_session(client)
    _error(upload(client, session_id, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "x.png"), 415)


def test_empty_upload_is_refused(client: httpx.Client) -> None:
    session_id = new_session(client)
    assert _error(upload(client, session_id, b""), 400)["code"] == "empty_file"


def test_upload_over_the_limit_is_refused(client: httpx.Client) -> None:
    session_id = new_session(client)
    too_big = b"a,b\n" + b"1,2\n" * (MAX_UPLOAD_BYTES // 4 + 10)
    _error(upload(client, session_id, too_big), 413)
    assert client.get(f"/v1/sessions/{session_id}/history").json()["nodes"] == []


def test_upload_without_a_file_field_is_refused(client: httpx.Client) -> None:
    session_id = new_session(client)
    response = client.post(f"/v1/sessions/{session_id}/datasets", files={"other": b"a,b\n1,2\n"})
    assert 400 <= response.status_code < 500
    _error(response, response.status_code)


def test_unknown_session_and_task_are_404(client: httpx.Client) -> None:
    unknown = uuid.uuid4()
    _error(client.get(f"/v1/sessions/{unknown}"), 404)
    _error(client.get(f"/v1/sessions/{unknown}/history"), 404)
    _error(client.get(f"/v1/tasks/{unknown}"), 404)
    _error(upload(client, str(unknown), b"a\n1\n"), 404)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "x"}])
def test_missing_or_wrong_key_is_401(stack: Stack, headers: dict[str, str]) -> None:
    with httpx.Client(base_url=stack.url, headers=headers) as anonymous:
        _error(anonymous.post("/v1/sessions", json={}), 401)
        _error(anonymous.get(f"/v1/sessions/{uuid.uuid4()}"), 401)


def test_another_keys_session_and_task_are_invisible(stack: Stack, client: httpx.Client) -> None:
    session_id = new_session(client)
    task_id = upload(client, session_id, b"a,b\n1,2\n").json()["task_id"]
    with stack.client(stack.create_key("other")) as other:
        assert other.post("/v1/sessions", json={}).status_code == 201
        _error(other.get(f"/v1/sessions/{session_id}"), 404)
        _error(other.get(f"/v1/sessions/{session_id}/history"), 404)
        _error(other.get(f"/v1/tasks/{task_id}"), 404)
        _error(upload(other, session_id, b"a\n1\n"), 404)
