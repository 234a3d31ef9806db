"""Read your writes on the real stack: every id the API returns is usable in the very next
request, with many users at once and no pause between the requests."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.integration.conftest import upload, wait_task
from tests.support.stack import Stack

CUSTOMERS = Path(__file__).resolve().parents[2] / "examples" / "customers.csv"
USERS = 24


class Unexpected(Exception):
    """A request answered otherwise than it should have."""


@dataclass
class Chain:
    """One user's requests, each sent as soon as the previous one answered."""

    client: httpx.Client

    def send(self, step: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.check(step, self.client.request(method, path, **kwargs))

    def check(self, step: str, response: httpx.Response) -> httpx.Response:
        if response.status_code != EXPECTED[step]:
            raise Unexpected(f"{step}: {response.status_code} {response.text}")
        return response

    def run(self) -> str | None:
        """Create, read, upload, read the version, chat, follow the task, read the history;
        returns the chat's task id (None if the upload was still being read)."""
        session_id = self.send("create", "POST", "/v1/sessions", json={"name": "ryw"}).json()[
            "session_id"
        ]
        session = f"/v1/sessions/{session_id}"
        self.send("get session", "GET", session)
        self.send("history before upload", "GET", f"{session}/history")
        body = self.check("upload", upload(self.client, session_id, CUSTOMERS)).json()
        self.send("upload task", "GET", f"/v1/tasks/{body['task_id']}")
        if body["node_id"] is not None:
            self.send("uploaded version", "GET", f"{session}/nodes/{body['node_id']}/rows")
        chat = {"message": "drop rows where age is missing"}
        said = self.client.post(f"{session}/messages", json=chat)
        if said.status_code == 409 and said.json()["error"]["code"] == "dataset_not_ready":
            # Refused only while the upload is really still being read (after the waits).
            still = self.send("upload task", "GET", f"/v1/tasks/{body['task_id']}").json()
            assert still["status"] in {"queued", "running"}, still
            return None
        task_id: str = self.check("chat", said).json()["task_id"]
        self.send("chat task", "GET", f"/v1/tasks/{task_id}")
        self.send("history", "GET", f"{session}/history")
        return task_id


EXPECTED = {
    "create": 201,
    "get session": 200,
    "history before upload": 200,
    "upload": 202,
    "upload task": 200,
    "uploaded version": 200,
    "chat": 202,
    "chat task": 200,
    "history": 200,
}


def run_chain(stack: Stack) -> str | None:
    with stack.client() as client:
        return Chain(client).run()


def test_every_returned_id_is_usable_at_once_under_load(stack: Stack, client: httpx.Client) -> None:
    with ThreadPoolExecutor(USERS) as pool:
        answered = list(pool.map(lambda _: run_chain(stack), range(USERS)))

    task_ids = [task_id for task_id in answered if task_id is not None]
    print(f"{len(task_ids)} of {USERS} messages accepted at once")
    assert task_ids
    for task_id in task_ids:
        task = wait_task(client, task_id, timeout_s=180)
        assert task["status"] == "succeeded", task
        node = f"/v1/sessions/{task['session_id']}/nodes/{task['result']['node_id']}"
        assert client.get(f"{node}/rows").status_code == 200
