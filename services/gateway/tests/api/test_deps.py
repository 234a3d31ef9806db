"""The caller's API key: unknown or revoked is a 401, read-only may not write."""

from __future__ import annotations

from uuid import uuid4

from sqlalchemy import update
from sqlmodel import col

from modulardata.gateway.adapters.api_keys import (
    Scope,
    create_api_key,
    hash_key,
    key_id_for,
    revoke_api_key,
)
from modulardata.readmodels.views import SessionView
from services.gateway.tests.harness import Gateway


async def test_an_unknown_key_is_a_401(gateway: Gateway) -> None:
    response = await gateway.client.get(
        f"/v1/sessions/{uuid4()}", headers={"Authorization": "Bearer not-a-known-key"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_read_only_key_reads_but_may_not_write(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    key = await create_api_key(gateway.engine, "reader", Scope.READ)
    async with gateway.engine.begin() as conn:  # a read-only key cannot make its own session
        await conn.execute(
            update(SessionView)
            .where(col(SessionView.session_id) == session_id)
            .values(owner=key_id_for(hash_key(key)))
        )
    reader = {"Authorization": f"Bearer {key}"}
    assert (
        await gateway.client.get(f"/v1/sessions/{session_id}", headers=reader)
    ).status_code == 200
    for method, path in (
        ("POST", "/v1/sessions"),
        ("POST", f"/v1/sessions/{session_id}/messages"),
        ("POST", f"/v1/sessions/{session_id}/head"),
    ):
        refused = await gateway.client.request(method, path, headers=reader, json={})
        assert refused.status_code == 403, path
        assert refused.json()["error"]["code"] == "forbidden"
    assert len(gateway.commands("CreateSession")) == 1


async def test_a_revoked_key_is_a_401(gateway: Gateway) -> None:
    key = await create_api_key(gateway.engine, "leaked")
    headers = {"Authorization": f"Bearer {key}"}
    assert (await gateway.client.post("/v1/sessions", headers=headers)).status_code == 201
    assert await revoke_api_key(gateway.engine, key_id_for(hash_key(key)))
    refused = await gateway.client.get("/v1/sessions", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "key_revoked"
