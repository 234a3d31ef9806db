"""Idempotency-Key on the real stack: a chat message sent again with the same key, at once and
after it ended, is one task and one new version; a deleted session takes its kept answers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from uuid import uuid4

import httpx

from tests.integration.conftest import new_session, upload, wait_task
from tests.support.stack import Stack

CUSTOMERS = Path(__file__).resolve().parents[2] / "examples" / "customers.csv"
CLIENTS = 4


def test_a_retried_message_is_one_task(stack: Stack, client: httpx.Client) -> None:
    session_id = new_session(client)
    uploaded = upload(client, session_id, CUSTOMERS)
    assert wait_task(client, uploaded.json()["task_id"])["status"] == "succeeded"
    path = f"/v1/sessions/{session_id}/messages"
    chat = {"message": "drop rows where age is missing"}
    headers = {"Idempotency-Key": str(uuid4())}

    def send(_: int) -> httpx.Response:
        # Each from a client of its own, as retries over new connections would be.
        with stack.client() as other:
            return other.post(path, json=chat, headers=headers)

    with ThreadPoolExecutor(CLIENTS) as pool:
        sent = list(pool.map(send, range(CLIENTS)))
    accepted = [response for response in sent if response.status_code == 202]
    # The first holds the key while it runs: a retry meanwhile is told to wait.
    for response in sent:
        if response.status_code != 202:
            assert response.status_code == 409, response.text
            assert response.json()["error"]["code"] == "idempotency_key_in_use"
    assert accepted
    (task_id,) = {response.json()["task_id"] for response in accepted}

    task = wait_task(client, task_id)
    assert task["status"] == "succeeded", task
    retry = client.post(path, json=chat, headers=headers)
    assert retry.status_code == 202, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["task_id"] == task_id

    history = client.get(f"/v1/sessions/{session_id}/history").json()
    assert len(history["nodes"]) == 2  # the upload and one change
    said = [message for message in history["messages"] if message["role"] == "user"]
    assert [message["text"] for message in said] == [chat["message"]]


def test_a_deleted_session_takes_the_answers_that_name_it(client: httpx.Client) -> None:
    headers = {"Idempotency-Key": str(uuid4())}
    first = client.post("/v1/sessions", json={"name": "gone"}, headers=headers).json()
    assert client.delete(f"/v1/sessions/{first['session_id']}").status_code == 204
    # The answer held the session's name: it went with the session, so this is a new request.
    again = client.post("/v1/sessions", json={"name": "gone"}, headers=headers)
    assert again.status_code == 201, again.text
    assert "idempotent-replayed" not in again.headers
    assert again.json()["session_id"] != first["session_id"]
