"""A version's profile, as JSON and as text."""

from __future__ import annotations

from uuid import uuid4

import pyarrow as pa
from sqlalchemy import update
from sqlmodel import col

from modulardata.contracts.profile import Profile
from modulardata.gateway.adapters.api_keys import create_api_key
from modulardata.profiling.profile import generate_profile
from modulardata.profiling.profiles import store_profile
from modulardata.profiling.prompt import to_prompt
from modulardata.readmodels.views import NodeView
from modulardata.storage.layout import profile_key
from services.gateway.tests.harness import NOW, Gateway


async def test_a_nodes_profile_is_served_once_ready_as_json_and_text(gateway: Gateway) -> None:
    session_id, node_id = await gateway.new_session(), uuid4()
    await gateway.add(
        NodeView(
            node_id=node_id,
            session_id=session_id,
            parent_id=None,
            storage_uri="file:///nowhere.parquet",
            content_hash="0" * 64,
            row_count=3,
            column_count=1,
            columns=[{"name": "city", "dtype": "string"}],
            description="upload",
            created_at=NOW,
            position=1,
        )
    )
    path = f"/v1/sessions/{session_id}/nodes/{node_id}/profile"
    waiting = await gateway.client.get(path)
    assert (waiting.status_code, waiting.json()["error"]["code"]) == (404, "profile_not_ready")

    profile = generate_profile(pa.table({"city": ["Oslo", "oslo", None]}))
    uri = store_profile(gateway.storage, profile_key(session_id, node_id), profile)
    async with gateway.engine.begin() as conn:
        await conn.execute(
            update(NodeView).where(col(NodeView.node_id) == node_id).values(profile_uri=uri)
        )
    as_json = await gateway.client.get(path)
    assert as_json.status_code == 200
    assert Profile.model_validate(as_json.json()) == profile
    as_text = await gateway.client.get(path, params={"format": "text"})
    assert as_text.headers["content-type"].startswith("text/plain")
    assert as_text.text == to_prompt(profile, max_tokens=1_000_000)
    assert "'city' has 2 spellings of Oslo" in as_text.text

    other = {"Authorization": f"Bearer {await create_api_key(gateway.engine, 'other')}"}
    assert (await gateway.client.get(path, headers=other)).status_code == 404
    unknown = await gateway.client.get(f"/v1/sessions/{session_id}/nodes/{uuid4()}/profile")
    assert unknown.json()["error"]["code"] == "node_not_found"
