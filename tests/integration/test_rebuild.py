"""`modulardata-versioning rebuild` on the live database gives back exactly the live views."""

from __future__ import annotations

import httpx

from tests.integration.conftest import (
    new_session,
    task_id_of,
    upload,
    wait_for,
    wait_profile,
    wait_task,
)
from tests.support.readmodels import rebuild, settled, snapshot
from tests.support.stack import Stack


def test_rebuild_equals_live_projection(stack: Stack, client: httpx.Client) -> None:
    session_id = new_session(client)
    for body in (b"a,b\n1,2\n", b"x\n1\n2\n3\n", b"only header\n"):
        task = wait_task(client, task_id_of(upload(client, session_id, body)))
        if task["result"]:
            wait_profile(client, session_id, task["result"]["node_id"])
    wait_for(lambda: settled(stack.database_url), what="every node profiled and projected")
    live = snapshot(stack.database_url)
    assert live["nodes"] and live["tasks"] and live["sessions"]

    assert "rebuilt the read models" in rebuild(stack)
    assert snapshot(stack.database_url) == live
