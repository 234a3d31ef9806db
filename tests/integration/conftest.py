"""The real stack for integration tests: real Kafka, real Postgres, services as processes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.data.corpus import MAX_ROWS
from tests.support.infrastructure import Source
from tests.support.postgres import fresh_database
from tests.support.stack import Stack

MAX_UPLOAD_BYTES = 1_000_000
MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024
TASK_TIMEOUT_S = 20
"""A running task silent this long is failed: short, so the test of it is quick."""
RETRY_BACKOFF_S = 0.05
"""First pause before a handler's retry: short, so a message failing for good is dead-lettered
within a fraction of a second (the retry budget for transient failures stays as configured)."""


@pytest.fixture(scope="session")
def stack(infrastructure: Source, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One stack for the whole run, on a database of its own; tests isolate themselves by
    session."""
    with fresh_database("stack") as database_url:
        running = Stack(
            database_url=database_url,
            workdir=tmp_path_factory.mktemp("stack"),
            extra_env={
                "MODULARDATA_LIMIT_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES),
                "MODULARDATA_LIMIT_ROWS": str(MAX_ROWS),
                "MODULARDATA_LIMIT_DECOMPRESSED_BYTES": str(MAX_DECOMPRESSED_BYTES),
                "MODULARDATA_VERSIONING_TASK_TIMEOUT_S": str(TASK_TIMEOUT_S),
                "MODULARDATA_RETRY_BACKOFF_S": str(RETRY_BACKOFF_S),
            },
        )
        try:
            running.start()
            yield running
        finally:
            running.stop()


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    """An authenticated client of the stack's gateway."""
    with stack.client() as http:
        yield http


def wait_for(probe: Callable[[], Any], *, timeout_s: float = 60, what: str = "condition") -> Any:
    """Poll until `probe` returns something truthy; fail with `what` after the timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def wait_task(client: httpx.Client, task_id: str, timeout_s: float = 60) -> dict[str, Any]:
    """Poll a task until it has finished, and return it."""

    def finished() -> dict[str, Any] | None:
        response = client.get(f"/v1/tasks/{task_id}")
        if response.status_code == 404:  # not recorded yet (sent straight to Kafka)
            return None
        body: dict[str, Any] = response.json()
        return body if body["status"] in {"succeeded", "failed", "needs_input"} else None

    result: dict[str, Any] = wait_for(finished, timeout_s=timeout_s, what=f"task {task_id}")
    return result


def new_session(client: httpx.Client) -> str:
    """Create a session and return its id."""
    response = client.post("/v1/sessions", json={"name": "it"})
    assert response.status_code == 201, response.text
    session_id: str = response.json()["session_id"]
    return session_id


def upload(
    client: httpx.Client, session_id: str, path_or_bytes: Path | bytes, filename: str = "data.csv"
) -> httpx.Response:
    """POST a file to the session's datasets endpoint."""
    content = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    return client.post(
        f"/v1/sessions/{session_id}/datasets", files={"file": (filename, content, "text/csv")}
    )


def task_id_of(response: httpx.Response) -> str:
    """The task an upload made, whether it was accepted (202) or the profiler refused it."""
    body: dict[str, Any] = response.json()
    task_id: str = body["error"]["task_id"] if "error" in body else body["task_id"]
    return task_id


def wait_profile(
    client: httpx.Client, session_id: str, node_id: str, timeout_s: float = 60
) -> dict[str, Any]:
    """Poll a node's profile until it is ready, and return it."""

    def ready() -> dict[str, Any] | None:
        response = client.get(f"/v1/sessions/{session_id}/nodes/{node_id}/profile")
        if response.status_code == 404 and response.json()["error"]["code"] == "profile_not_ready":
            return None
        assert response.status_code == 200, response.text
        profile: dict[str, Any] = response.json()
        return profile

    result: dict[str, Any] = wait_for(ready, timeout_s=timeout_s, what=f"profile of {node_id}")
    return result
