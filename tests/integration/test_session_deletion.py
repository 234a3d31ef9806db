"""DELETE /v1/sessions/{id} on the real stack: the session's files leave storage, its events
become unreadable, its views go, the log still rebuilds, and other sessions stay as they were."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.integration.conftest import new_session, upload, wait_for, wait_profile, wait_task
from tests.support.readmodels import rebuild, settled, snapshot
from tests.support.stack import Stack

CSV = b"name,age\nAnna,34\nBen,\nChloe,29\n"
SECRET = "Ben"  # user data that must not survive the deletion anywhere


def _filled_session(client: httpx.Client) -> dict[str, Any]:
    """A session with an upload (profiled) and a chat version; returns its history."""
    session_id = new_session(client)
    uploaded = wait_task(client, upload(client, session_id, CSV).json()["task_id"])
    wait_profile(client, session_id, uploaded["result"]["node_id"])
    said = client.post(
        f"/v1/sessions/{session_id}/messages", json={"message": f"drop rows where name is {SECRET}"}
    )
    assert wait_task(client, said.json()["task_id"])["status"] == "succeeded"
    history: dict[str, Any] = client.get(f"/v1/sessions/{session_id}/history").json()
    return history


def _stored(stack: Stack, session_id: str) -> list[Path]:
    root = stack.workdir / "storage"
    return [path for path in root.rglob("*") if path.is_file() and session_id in str(path)]


def _session_rows(database_url: str, session_id: str) -> dict[str, Any]:
    with psycopg.connect(database_url) as conn:
        return {
            "views": [
                conn.execute(
                    f"SELECT count(*) FROM {view} WHERE session_id = %s", (session_id,)
                ).fetchone()
                for view in ("sessions", "nodes", "chat_logs", "tasks", "accepted_tasks")
            ],
            "clear_payloads": conn.execute(
                "SELECT type, payload::text FROM events"
                " WHERE metadata->>'session_id' = %s AND payload::text <> '{}'",
                (session_id,),
            ).fetchall(),
            "key": conn.execute(
                "SELECT key IS NULL, shredded_at IS NOT NULL FROM session_keys"
                " WHERE session_id = %s",
                (session_id,),
            ).fetchone(),
        }


def test_a_deleted_session_is_gone_everywhere_but_the_log(
    stack: Stack, client: httpx.Client
) -> None:
    doomed, kept = _filled_session(client), _filled_session(client)
    doomed_id, kept_id = doomed["session_id"], kept["session_id"]
    assert _stored(stack, doomed_id)
    kept_files = _stored(stack, kept_id)
    wait_for(lambda: settled(stack.database_url), what="every node profiled and projected")
    before = snapshot(stack.database_url)

    assert client.delete(f"/v1/sessions/{doomed_id}").status_code == 204

    base = f"/v1/sessions/{doomed_id}"
    node = doomed["nodes"][-1]["node_id"]
    for path in (base, f"{base}/history", f"{base}/nodes/{node}/data", f"{base}/branches"):
        assert client.get(path).status_code == 404, path
    assert client.delete(base).status_code == 404
    assert _stored(stack, doomed_id) == []
    rows = _session_rows(stack.database_url, doomed_id)
    assert rows["views"] == [(0,)] * 5
    assert rows["clear_payloads"] == [("SessionDeleted", rows["clear_payloads"][0][1])]
    assert SECRET not in rows["clear_payloads"][0][1]
    assert rows["key"] == (True, True)

    assert _stored(stack, kept_id) == kept_files
    assert client.get(f"/v1/sessions/{kept_id}/history").json() == kept
    kept_data = client.get(f"/v1/sessions/{kept_id}/nodes/{kept['nodes'][-1]['node_id']}/data")
    assert kept_data.status_code == 200 and SECRET not in kept_data.text

    wait_for(lambda: settled(stack.database_url), what="the deletion projected")
    after = snapshot(stack.database_url)
    assert after == {
        view: [row for row in rows_before if doomed_id not in map(str, row)]
        for view, rows_before in before.items()
    }
    rebuild(stack)
    assert snapshot(stack.database_url) == after
