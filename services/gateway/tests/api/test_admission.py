"""Admission: a key over its rate limit or a full session queue is a 429, a backend known to be
down a 503 at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from modulardata.gateway.adapters.gateway_tables import AcceptedTask
from modulardata.gateway.config import GatewaySettings
from modulardata.gateway.main import create_app
from modulardata.readmodels.views import TaskView
from services.gateway.tests.harness import LOCAL_OWNER, NOW, Gateway, csv_upload


async def test_while_kafka_is_down_writes_are_refused_at_once_and_reads_go_on(
    gateway: Gateway,
) -> None:
    session_id = await gateway.new_session()
    gateway.links.kafka.up = False
    sent = len(gateway.published)
    for response in (
        await gateway.client.post("/v1/sessions", json={"name": "x"}),
        await gateway.client.post(f"/v1/sessions/{session_id}/datasets", **csv_upload(b"a\n1\n")),
        await gateway.client.delete(f"/v1/sessions/{session_id}"),
    ):
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "queue_unavailable"
        assert response.headers["Retry-After"] == "2"
    assert len(gateway.published) == sent
    assert await gateway.accepted_tasks(session_id) == []
    assert gateway.uploads(session_id) == []
    assert (await gateway.client.get(f"/v1/sessions/{session_id}")).status_code == 200
    assert (await gateway.client.get("/v1/sessions")).status_code == 200


async def test_while_the_database_is_down_every_request_is_refused_at_once(
    gateway: Gateway,
) -> None:
    session_id = await gateway.new_session()
    gateway.links.database.up = False
    for response in (
        await gateway.client.get(f"/v1/sessions/{session_id}"),
        await gateway.client.post("/v1/sessions", json={}),
    ):
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "database_unavailable"
        assert response.headers["Retry-After"] == "2"
    gateway.links.database.up = True
    assert (await gateway.client.get(f"/v1/sessions/{session_id}")).status_code == 200


async def test_a_session_whose_queue_is_full_answers_429_session_busy(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    limit = GatewaySettings().session_queue_limit
    waiting = [uuid4() for _ in range(limit)]
    await gateway.add(
        *(
            AcceptedTask(task_id=t, session_id=session_id, owner=LOCAL_OWNER, kind="chat")
            for t in waiting
        )
    )
    chat = {"message": "drop rows where age is missing"}

    busy = await gateway.client.post(f"/v1/sessions/{session_id}/messages", json=chat)
    assert busy.status_code == 429, busy.text
    assert busy.json()["error"]["code"] == "session_busy"
    assert busy.headers["Retry-After"] == str(GatewaySettings().session_busy_retry_after_s)

    await gateway.add(
        TaskView(
            task_id=waiting[0],
            session_id=session_id,
            status="succeeded",
            stage="succeeded",
            events=[],
            created_at=NOW,
            updated_at=NOW,
        )
    )
    # A task that ended frees its place: the message is now judged on its merits.
    again = await gateway.client.post(f"/v1/sessions/{session_id}/messages", json=chat)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "no_dataset")


# Nothing listens on port 1: the requests the limit lets through fail fast at the database.
DOWN_DATABASE = "postgresql://postgres@127.0.0.1:1/none"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = GatewaySettings(
        database_url=DOWN_DATABASE,
        storage_url=tmp_path.as_uri(),
        create_topics=False,
        rate_limit="3/minute",
    )
    transport = httpx.ASGITransport(app=create_app(settings), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http


def key(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {name}"}


async def test_a_key_over_its_limit_gets_429_with_retry_after(
    client: httpx.AsyncClient,
) -> None:
    statuses = [(await client.get("/v1/sessions", headers=key("a"))).status_code for _ in range(3)]
    assert 429 not in statuses
    refused = await client.get("/v1/sessions", headers=key("a"))
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


async def test_each_key_has_its_own_limit(client: httpx.AsyncClient) -> None:
    for _ in range(4):
        await client.get("/v1/sessions", headers=key("a"))
    assert (await client.get("/v1/sessions", headers=key("b"))).status_code != 429


async def test_health_is_never_limited(client: httpx.AsyncClient) -> None:
    for _ in range(4):
        await client.get("/v1/sessions", headers=key("a"))
    statuses = {(await client.get("/healthz", headers=key("a"))).status_code for _ in range(5)}
    assert 429 not in statuses
