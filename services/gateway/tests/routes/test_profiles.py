"""A version's profile, as JSON and as text."""

from __future__ import annotations

import asyncio
import time
from uuid import uuid4

import httpx
import pyarrow as pa

from modulardata.contracts.profile import Profile
from modulardata.profiling.profile import generate_profile
from modulardata.profiling.profiles import store_profile
from modulardata.profiling.prompt import to_prompt
from modulardata.readmodels.views import NodeView
from modulardata.storage.layout import profile_key
from services.gateway.tests.harness import NOW
from services.gateway.tests.routes.conftest import SETTINGS
from services.gateway.tests.routes.stored_versions import SESSION, Versions


async def test_a_nodes_profile_is_served_once_ready_as_json_and_text(
    read_views: httpx.AsyncClient, versions: Versions
) -> None:
    session_id, node_id = SESSION.session_id, uuid4()
    node = NodeView(
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
    versions.read_models.add(SESSION, node)
    path = f"/v1/sessions/{session_id}/nodes/{node_id}/profile"
    started = time.monotonic()
    waiting = await read_views.get(path)
    assert (waiting.status_code, waiting.json()["error"]["code"]) == (404, "profile_not_ready")
    assert time.monotonic() - started >= SETTINGS.profile_wait_s  # waited for it first

    profile = generate_profile(pa.table({"city": ["Oslo", "oslo", None]}))
    uri = store_profile(versions.storage, profile_key(session_id, node_id), profile)

    async def profiled_soon() -> None:
        await asyncio.sleep(SETTINGS.profile_wait_s / 3)
        versions.read_models.add(node.model_copy(update={"profile_uri": uri}))

    # A version is committed before its profile is made: a request in between waits for it.
    as_json, _ = await asyncio.gather(read_views.get(path), profiled_soon())
    assert as_json.status_code == 200
    assert Profile.model_validate(as_json.json()) == profile
    as_text = await read_views.get(path, params={"format": "text"})
    assert as_text.headers["content-type"].startswith("text/plain")
    assert as_text.text == to_prompt(profile, max_tokens=1_000_000)
    assert "'city' has 2 spellings of Oslo" in as_text.text

    someone_else = {"Authorization": "Bearer someone-else"}
    assert (await read_views.get(path, headers=someone_else)).status_code == 404
    unknown = await read_views.get(f"/v1/sessions/{session_id}/nodes/{uuid4()}/profile")
    assert unknown.json()["error"]["code"] == "node_not_found"
