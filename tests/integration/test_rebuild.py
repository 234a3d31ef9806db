"""`modulardata-versioning rebuild` on the live database gives back exactly the live views."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.integration.conftest import new_session, upload, wait_task
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


def test_rebuild_equals_live_projection(stack: Stack, client: httpx.Client) -> None:
    session_id = new_session(client)
    for body in (b"a,b\n1,2\n", b"x\n1\n2\n3\n", b"only header\n"):
        wait_task(client, upload(client, session_id, body).json()["task_id"])
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
