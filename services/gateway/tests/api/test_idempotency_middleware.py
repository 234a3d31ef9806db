"""Idempotency-Key on every POST: a retry gets the first answer, a reused key a 409."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from modulardata.gateway.adapters.api_keys import create_api_key
from modulardata.gateway.adapters.gateway_tables import IdempotentRequest
from modulardata.gateway.config import GatewaySettings
from modulardata.readmodels.views import SessionView
from services.gateway.tests.harness import LOCAL_OWNER, Gateway, csv_upload


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def test_a_retried_post_with_the_same_key_gets_the_first_answer(gateway: Gateway) -> None:
    key = keyed(str(uuid4()))
    first = await gateway.client.post("/v1/sessions", json={"name": "once"}, headers=key)
    retry = await gateway.client.post("/v1/sessions", json={"name": "once"}, headers=key)
    assert first.status_code == retry.status_code == 201, retry.text
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(gateway.commands("CreateSession")) == 1

    other = {"Authorization": f"Bearer {await create_api_key(gateway.engine, 'other')}", **key}
    theirs = await gateway.client.post("/v1/sessions", json={"name": "once"}, headers=other)
    assert theirs.status_code == 201, theirs.text
    assert theirs.json()["session_id"] != first.json()["session_id"]


async def test_a_retried_message_and_upload_make_one_task_each(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    path = f"/v1/sessions/{session_id}"
    key = keyed("upload-1")
    # httpx draws a new multipart boundary for each request: the same upload all the same.
    uploads = [
        await gateway.client.post(f"{path}/datasets", **csv_upload(b"ok,read\n1,2\n"), headers=key)
        for _ in range(2)
    ]
    assert [upload.status_code for upload in uploads] == [202, 202], uploads[1].text
    assert uploads[0].json() == uploads[1].json()
    assert len(gateway.commands("IngestDataset")) == 1
    assert len(gateway.uploads(session_id)) == 1
    async with gateway.engine.begin() as conn:
        await conn.execute(
            update(SessionView)
            .where(col(SessionView.session_id) == session_id)
            .values(head_node_id=uploads[0].json()["node_id"])
        )

    chat, key = {"message": "drop empty rows"}, keyed("message-1")
    said = [await gateway.client.post(f"{path}/messages", json=chat, headers=key) for _ in "ab"]
    assert [response.status_code for response in said] == [202, 202], said[1].text
    assert said[0].json()["task_id"] == said[1].json()["task_id"]
    assert len(gateway.commands("SendChatMessage")) == 1
    assert len(await gateway.accepted_tasks(session_id)) == 2  # the upload and one message


async def test_the_same_key_with_another_request_is_a_409(gateway: Gateway) -> None:
    key = keyed("reused")
    await gateway.client.post("/v1/sessions", json={"name": "first"}, headers=key)
    for other in (
        gateway.client.post("/v1/sessions", json={"name": "second"}, headers=key),
        gateway.client.post(f"/v1/sessions/{uuid4()}/messages", json={"message": "x"}, headers=key),
    ):
        response = await other
        assert response.status_code == 409, response.text
        error = response.json()["error"]
        assert (error["code"], error["field"]) == (
            "idempotency_key_reused",
            "header.Idempotency-Key",
        )
    assert len(gateway.commands("CreateSession")) == 1


async def test_an_answer_that_accepted_nothing_frees_its_key(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    chat, key = {"message": "drop empty rows"}, keyed("refused")
    for _ in range(2):
        response = await gateway.client.post(
            f"/v1/sessions/{session_id}/messages", json=chat, headers=key
        )
        assert (response.status_code, response.json()["error"]["code"]) == (409, "no_dataset")
        assert "idempotent-replayed" not in response.headers


@pytest.mark.parametrize("key", ["", "x" * 256])
async def test_a_malformed_key_is_a_422(gateway: Gateway, key: str) -> None:
    response = await gateway.client.post(
        "/v1/sessions", json={"name": "k"}, headers=[(b"Idempotency-Key", key.encode())]
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "header.Idempotency-Key"
    assert gateway.commands("CreateSession") == []


async def test_a_key_held_by_a_running_request_is_a_409_until_its_lease_ends(
    gateway: Gateway,
) -> None:
    lease = timedelta(seconds=GatewaySettings().idempotency_lease_s)
    await gateway.add(IdempotentRequest(owner=LOCAL_OWNER, key="running"))
    busy = await gateway.client.post("/v1/sessions", headers=keyed("running"))
    assert busy.status_code == 409, busy.text
    assert busy.json()["error"]["code"] == "idempotency_key_in_use"
    assert busy.headers["Retry-After"] == "1"

    # A gateway that died mid-request leaves its claim: the retry after the lease runs.
    stale = datetime.now(UTC) - lease - timedelta(seconds=1)
    await gateway.add(IdempotentRequest(owner=LOCAL_OWNER, key="orphan", created_at=stale))
    taken = await gateway.client.post("/v1/sessions", headers=keyed("orphan"))
    assert taken.status_code == 201, taken.text


async def test_a_kept_answer_expires(gateway: Gateway) -> None:
    ttl = timedelta(seconds=GatewaySettings().idempotency_ttl_s)
    old = datetime.now(UTC) - ttl - timedelta(seconds=1)
    await gateway.add(
        IdempotentRequest(
            owner=LOCAL_OWNER, key="old", fingerprint="x", status=201, body=b"{}", created_at=old
        )
    )
    response = await gateway.client.post("/v1/sessions", headers=keyed("old"))
    assert response.status_code == 201, response.text
    assert "session_id" in response.json()


async def test_a_kept_answer_names_its_session_for_the_purge(gateway: Gateway) -> None:
    first = await gateway.client.post("/v1/sessions", headers=keyed("named"))
    async with AsyncSession(gateway.engine) as session:
        kept = await session.get(IdempotentRequest, (LOCAL_OWNER, "named"))
    assert kept is not None and str(kept.session_id) == first.json()["session_id"]
