"""Uploads: stored, handed to the profiler, waited for; refused or undone without leftovers."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any
from uuid import UUID, uuid4, uuid5

import pytest
from sqlalchemy import update
from sqlmodel import col

from modulardata.readmodels.views import SessionView, TaskView
from services.gateway.tests.harness import (
    CONFIRM_TIMEOUT_S,
    LOCAL_OWNER,
    MAX_UPLOAD,
    NOW,
    UNPROJECTED,
    Gateway,
    csv_upload,
)
from tests.support.bombs import wide_csv


async def test_an_upload_waits_for_its_session_to_be_in_the_log(gateway: Gateway) -> None:
    created = await gateway.client.post("/v1/sessions", json={"name": UNPROJECTED})
    session_id = UUID(created.json()["session_id"])
    upload = asyncio.create_task(
        gateway.client.post(f"/v1/sessions/{session_id}/datasets", **csv_upload(b"a\n1\n"))
    )
    while not gateway.uploads(session_id):  # stored: the gateway now waits for the session
        await asyncio.sleep(0.01)
    assert not upload.done()
    await gateway.add(
        SessionView(session_id=session_id, owner=LOCAL_OWNER, created_at=NOW, updated_at=NOW)
    )
    response = await upload
    assert response.status_code == 202, response.text
    assert [c.session_id for c in gateway.commands("IngestDataset")] == [session_id]


async def test_an_upload_to_a_session_not_in_the_log_in_time_is_a_503(gateway: Gateway) -> None:
    created = await gateway.client.post("/v1/sessions", json={"name": UNPROJECTED})
    session_id = UUID(created.json()["session_id"])
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(b"a\n1\n")
    )
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "session_not_ready"
    assert response.headers["Retry-After"] == "1"
    assert gateway.uploads(session_id) == []
    assert await gateway.accepted_tasks(session_id) == []
    assert gateway.commands("IngestDataset") == []


async def test_an_upload_is_stored_queued_and_followed_to_its_result(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    content = b"id,name\n1,Ann\n2,Bob\n"
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(content, "people.csv")
    )
    assert response.status_code == 202, response.text
    task_id = UUID(response.json()["task_id"])
    assert response.json() == {
        "task_id": str(task_id),
        "session_id": str(session_id),
        "status": "queued",
        "node_id": None,
    }
    assert response.headers["location"] == f"/v1/tasks/{task_id}"

    raw = gateway.root / "uploads" / str(session_id) / str(task_id) / "raw"
    assert raw.read_bytes() == content
    (command,) = gateway.commands("IngestDataset")
    assert (command.correlation_id, command.session_id) == (task_id, session_id)
    assert command.payload == {
        "session_id": str(session_id),
        "upload_uri": raw.as_uri(),
        "filename": "people.csv",
        "byte_size": len(content),
        "content_hash": hashlib.sha256(content).hexdigest(),
    }

    task = (await gateway.client.get(f"/v1/tasks/{task_id}")).json()
    assert (task["status"], task["stage"], task["kind"]) == ("queued", "queued", "upload")
    assert (task["result"], task["error"], task["events"]) == (None, None, [])

    events = [{"type": "TaskProgressed", "stage": "ingesting", "at": NOW.isoformat()}]
    await gateway.add(
        TaskView(
            task_id=task_id,
            session_id=session_id,
            status="running",
            stage="ingesting",
            events=events,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    task = (await gateway.client.get(f"/v1/tasks/{task_id}")).json()
    assert (task["status"], task["stage"], task["events"]) == ("running", "ingesting", events)

    node_id = uuid4()
    async with gateway.engine.begin() as conn:
        await conn.execute(
            update(TaskView)
            .where(col(TaskView.task_id) == task_id)
            .values(status="succeeded", stage="succeeded", node_id=node_id)
        )
    task = (await gateway.client.get(f"/v1/tasks/{task_id}")).json()
    assert (task["status"], task["result"]["node_id"]) == ("succeeded", str(node_id))
    assert task["result"]["plan"] is None  # an upload applies no operations


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"", 400, "empty_file"),
        (b"a\n" * MAX_UPLOAD, 413, "upload_too_large"),  # refused from its Content-Length
        (b"a\n" * (MAX_UPLOAD // 2) + b"ab", 413, "upload_too_large"),  # refused while streaming
        (wide_csv(2000), 422, "too_many_columns"),
    ],
)
async def test_a_refused_upload_leaves_nothing_behind(
    gateway: Gateway, content: bytes, status: int, code: str
) -> None:
    session_id = await gateway.new_session()
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(content)
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert gateway.uploads(session_id) == []
    assert await gateway.accepted_tasks(session_id) == []
    assert gateway.commands("IngestDataset") == []


async def test_an_upload_read_in_time_answers_with_its_node(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(b"ok,read\n1,2\n")
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["node_id"] == str(uuid5(UUID(body["task_id"]), "upload"))


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"a,b,c\n", 400, "header_only"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", 415, "not_text"),
        (b'a,"b\n', 422, "unterminated_quote"),
    ],
)
async def test_an_upload_the_profiler_refuses_is_a_4xx_naming_the_problem(
    gateway: Gateway, content: bytes, status: int, code: str
) -> None:
    session_id = await gateway.new_session()
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(content)
    )
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (code, f"refused: {code}")
    task = (await gateway.client.get(f"/v1/tasks/{error['task_id']}")).json()
    assert (task["status"], task["error"]["code"]) == ("failed", code)


async def test_an_upload_without_a_file_part_is_a_422(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", files={"other": ("x.csv", b"a\n1\n")}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "missing_file"


async def test_when_kafka_fails_the_upload_is_undone(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = await gateway.new_session()

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("kafka is down")

    monkeypatch.setattr(gateway.bus.broker, "publish", broken)
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(b"a\n1\n")
    )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "queue_unavailable"
    assert response.headers["Retry-After"] == "2"
    assert await gateway.accepted_tasks(session_id) == []
    assert gateway.uploads(session_id) == []
    sessions = (await gateway.client.get("/v1/sessions")).json()["total"]
    assert (await gateway.client.post("/v1/sessions", json={})).status_code == 503
    assert (await gateway.client.get("/v1/sessions")).json()["total"] == sessions


@pytest.mark.parametrize("delivered", [True, False])
async def test_an_upload_kafka_confirms_too_late_is_kept_until_it_is_known_lost(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, delivered: bool
) -> None:
    session_id = await gateway.new_session()
    delivery: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def held(*args: Any, **kwargs: Any) -> asyncio.Future[None]:
        return delivery

    monkeypatch.setattr(gateway.bus.broker, "publish", held)
    monkeypatch.setattr(gateway.bus.settings, "publish_timeout_s", CONFIRM_TIMEOUT_S)
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(b"a\n1\n")
    )
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "queue_unconfirmed"
    assert f"GET /v1/tasks/{error['task_id']}" in error["message"]
    assert [task.task_id for task in await gateway.accepted_tasks(session_id)] == [
        UUID(error["task_id"])
    ]
    assert len(gateway.uploads(session_id)) == 1
    if delivered:
        delivery.set_result(None)
    else:
        delivery.set_exception(ConnectionError("the batch expired"))
    kept = 1 if delivered else 0
    for _ in range(100):
        if len(await gateway.accepted_tasks(session_id)) == kept:
            break
        await asyncio.sleep(0.02)
    assert len(await gateway.accepted_tasks(session_id)) == kept
    assert len(gateway.uploads(session_id)) == kept
