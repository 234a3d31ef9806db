"""Backpressure on the real stack: a second gateway with low limits answers 429 with
Retry-After, per key and per session, while the stack's own gateway stays unlimited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import new_session, upload, wait_task
from tests.support.stack import BIN, ServiceProcess, Stack, free_port

CUSTOMERS = Path(__file__).resolve().parents[2] / "examples" / "customers.csv"
RATE_LIMIT_PER_MINUTE = 20


@pytest.fixture(scope="module")
def limited_url(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A gateway on the stack's database and topics with a low rate limit and room for one
    unfinished task per session."""
    port = free_port()
    gateway = ServiceProcess(
        "limited-gateway",
        [str(BIN / "modulardata-gateway"), "serve"],
        {
            **stack.env,
            "MODULARDATA_GATEWAY_PORT": str(port),
            "MODULARDATA_GATEWAY_RATE_LIMIT": f"{RATE_LIMIT_PER_MINUTE}/minute",
            "MODULARDATA_GATEWAY_SESSION_QUEUE_LIMIT": "1",
        },
        tmp_path_factory.mktemp("limited") / "gateway.log",
    )
    gateway.start()
    url = f"http://127.0.0.1:{port}"
    try:
        Stack.wait_url_healthy(url, [gateway])
        yield url
    finally:
        gateway.stop()


def client_of(url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(
    stack: Stack, limited_url: str
) -> None:
    with client_of(limited_url, stack.create_key("rate-limited")) as client:
        statuses = [client.get("/v1/sessions").status_code for _ in range(RATE_LIMIT_PER_MINUTE)]
        assert set(statuses) == {200}
        refused = client.get("/v1/sessions")
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    with client_of(limited_url, stack.create_key("another")) as other:
        assert other.get("/v1/sessions").status_code == 200  # limits are per key


def test_a_session_with_a_task_in_flight_is_busy_for_the_next(
    stack: Stack, client: httpx.Client, limited_url: str
) -> None:
    session_id = new_session(client)
    uploaded = wait_task(client, upload(client, session_id, CUSTOMERS).json()["task_id"])
    assert uploaded["status"] == "succeeded", uploaded
    chat = {"message": "drop rows where age is missing"}
    with client_of(limited_url, stack.api_key) as limited:
        accepted = limited.post(f"/v1/sessions/{session_id}/messages", json=chat)
        assert accepted.status_code == 202, accepted.text
        busy = limited.post(f"/v1/sessions/{session_id}/messages", json=chat)
        assert busy.status_code == 429, busy.text
        assert busy.json()["error"]["code"] == "session_busy"
        assert int(busy.headers["Retry-After"]) >= 1
        assert wait_task(client, accepted.json()["task_id"])["status"] == "succeeded"
        after = limited.post(f"/v1/sessions/{session_id}/messages", json=chat)
        assert after.status_code == 202, after.text
    wait_task(client, after.json()["task_id"])
