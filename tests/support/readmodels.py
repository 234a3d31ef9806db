"""Looking at the read models behind a running stack, and rebuilding them with the real CLI."""

from __future__ import annotations

import subprocess
from typing import Any

import psycopg

from tests.support.stack import BIN, Stack

VIEWS = {
    "sessions": "session_id",
    "nodes": "node_id",
    "chat_logs": "chat_message_id",
    "tasks": "task_id",
}
"""Every read model, with the key that orders its rows."""


def snapshot(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every read model, in key order."""
    with psycopg.connect(database_url) as conn:
        return {
            view: conn.execute(f"SELECT * FROM {view} ORDER BY {key}").fetchall()
            for view, key in VIEWS.items()
        }


def settled(database_url: str) -> bool:
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


def rebuild(stack: Stack) -> str:
    """Run `modulardata-versioning rebuild` on the stack's database; returns what it printed."""
    done = subprocess.run(
        [str(BIN / "modulardata-versioning"), "rebuild"],
        env=stack.env,
        capture_output=True,
        text=True,
        check=True,
        cwd=stack.workdir,
    )
    return done.stdout
