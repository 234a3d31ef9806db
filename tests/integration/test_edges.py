"""Hostile values at the door, on the real stack: what no service could store is a 422 naming
the field before anything is published, and the next ordinary request works at once."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.conftest import new_session, upload, wait_task

JSON = {"Content-Type": "application/json"}


def refused_field(response: httpx.Response) -> str:
    """The field a 422 names, once the answer is checked to be the gateway's error shape."""
    assert response.status_code == 422, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == "validation_error" and error["message"]
    assert "Traceback" not in response.text
    field: str = error["field"]
    return field


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "null \\u0000 byte"}',
        b'{"name": "lone \\ud800 surrogate"}',
        b'{"name": "' + b"x" * 1_000_000 + b'"}',
    ],
    ids=["nul", "lone_surrogate", "one_megabyte"],
)
def test_a_session_name_no_store_takes_is_refused_and_the_next_session_works(
    client: httpx.Client, raw: bytes
) -> None:
    assert refused_field(client.post("/v1/sessions", content=raw, headers=JSON)) == "body.name"

    created = client.post("/v1/sessions", json={"name": "right after"})
    assert created.status_code == 201, created.text
    session_id = created.json()["session_id"]
    task = wait_task(client, upload(client, session_id, b"a,b\n1,2\n").json()["task_id"])
    assert task["status"] == "succeeded", task


def test_a_chat_message_no_store_takes_is_refused(client: httpx.Client) -> None:
    session_id = new_session(client)
    assert upload(client, session_id, b"a,b\n1,2\n").status_code == 202
    for raw in (b'{"message": "drop \\u0000"}', b'{"message": "\\udc00"}'):
        response = client.post(f"/v1/sessions/{session_id}/messages", content=raw, headers=JSON)
        assert refused_field(response) == "body.message"
    history = client.get(f"/v1/sessions/{session_id}/history").json()
    assert history["messages"] == []


def test_an_upload_whose_file_name_holds_a_nul_is_stored_under_a_safe_name(
    client: httpx.Client,
) -> None:
    session_id = new_session(client)
    # Written by hand: HTTP clients percent-encode a NUL in a file name; an attacker need not.
    body = (
        b"--edge\r\n"
        b'Content-Disposition: form-data; name="file"; filename="../dir/da\x00ta.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n"
        b"a,b\n1,2\n\r\n"
        b"--edge--\r\n"
    )
    response = client.post(
        f"/v1/sessions/{session_id}/datasets",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=edge"},
    )
    assert response.status_code == 202, response.text
    task = wait_task(client, response.json()["task_id"])
    assert task["status"] == "succeeded", task
    nodes = client.get(f"/v1/sessions/{session_id}/history").json()["nodes"]
    assert [node["description"] for node in nodes] == ["Uploaded data.csv"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("offset=1099511627776", "query.offset"), ("limit=100000", "query.limit")],
)
def test_a_page_beyond_any_database_integer_is_a_422(
    client: httpx.Client, query: str, field: str
) -> None:
    assert refused_field(client.get(f"/v1/sessions?{query}")) == field
    session_id = new_session(client)
    task = wait_task(client, upload(client, session_id, b"a\n1\n").json()["task_id"])
    rows = client.get(f"/v1/sessions/{session_id}/nodes/{task['result']['node_id']}/rows?{query}")
    assert refused_field(rows) == field
    assert client.get("/v1/sessions?offset=2147483647").json()["sessions"] == []


def test_a_header_name_holding_a_nul_is_refused_in_a_csv_and_spelled_out_in_json(
    client: httpx.Client,
) -> None:
    session_id = new_session(client)
    refused = upload(client, session_id, b"a\x00b,c\n1,2\n")
    assert refused.status_code == 415, refused.text
    assert refused.json()["error"]["code"] == "not_text"
    assert "NUL byte (line 1)" in refused.json()["error"]["message"]

    kept = upload(client, session_id, b'[{"a\\u0000b": 1, "c": 2}]', filename="data.json")
    task = wait_task(client, kept.json()["task_id"])
    assert task["status"] == "succeeded", task
    nodes = client.get(f"/v1/sessions/{session_id}/history").json()["nodes"]
    assert [column["name"] for column in nodes[-1]["columns"]] == ["a\\x00b", "c"]
