"""`modulardata-versioning rebuild` on the live database gives back exactly the live views."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.integration.conftest import (
    new_session,
    task_id_of,
    upload,
    wait_for,
    wait_profile,
    wait_task,
)
from tests.support.stack import BIN, Stack

VIEWS = {
    "sessions": "session_id",
    "nodes": "node_id",
    "chat_logs": "chat_message_id",
    "tasks": "task_id",
}


def _snapshot(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(database_url) as conn:
        return {
            view: conn.execute(f"SELECT * FROM {view} ORDER BY {key}").fetchall()
            for view, key in VIEWS.items()
        }


def _settled(database_url: str) -> bool:
    """True once no version awaits its profile and the projector has caught up with the log.

    The database is shared by the whole run, so earlier tests' versions may still be profiled.
    """
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM nodes WHERE profile_uri IS NULL),"
            " (SELECT coalesce(max(position), 0) FROM events)"
            " - (SELECT position FROM projection_checkpoints WHERE name = 'read_models')"
        ).fetchone()
    return row == (0, 0)


def test_rebuild_equals_live_projection(stack: Stack, client: httpx.Client) -> None:
    session_id = new_session(client)
    for body in (b"a,b\n1,2\n", b"x\n1\n2\n3\n", b"only header\n"):
        task = wait_task(client, task_id_of(upload(client, session_id, body)))
        if task["result"]:
            wait_profile(client, session_id, task["result"]["node_id"])
    wait_for(lambda: _settled(stack.database_url), what="every node profiled and projected")
    live = _snapshot(stack.database_url)
    assert live["nodes"] and live["tasks"] and live["sessions"]

    done = subprocess.run(
        [str(BIN / "modulardata-versioning"), "rebuild"],
        env=stack.env,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(stack.workdir),
    )
    assert "rebuilt the read models" in done.stdout
    assert _snapshot(stack.database_url) == live
