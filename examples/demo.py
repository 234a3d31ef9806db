"""The `make run` demo: upload the messy customers file, clean it by chatting (with an undo and
a branch), then print the timeline, the branches, a diff and the recipe of the head."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).parent

CONVERSATION = (
    "trim whitespace in name",
    "title case the city column",
    "drop rows where age is missing",
    "undo that",
    "remove duplicates",
)
"""Messages the offline planner answers; the undo makes the last one start a branch."""


class DemoFailed(Exception):
    """A step of the demo did not work; the message says which."""


def main() -> int:
    """Run the demo against a running gateway."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", required=True, help="API key (MODULARDATA_API_KEY)")
    parser.add_argument("--file", type=Path, default=HERE / "customers.csv")
    args = parser.parse_args()
    headers = {"Authorization": f"Bearer {args.key}"}
    with httpx.Client(base_url=args.url, headers=headers, timeout=30) as client:
        try:
            run(client, args.file)
        except DemoFailed as failure:
            print(f"demo failed: {failure}", file=sys.stderr)
            return 1
    return 0


def run(client: httpx.Client, path: Path) -> None:
    """Upload, chat, and print what came of it."""
    session = client.post("/v1/sessions", json={"name": "demo"})
    session.raise_for_status()
    session_id = session.json()["session_id"]
    print(f"session {session_id}")
    with path.open("rb") as handle:
        accepted = client.post(
            f"/v1/sessions/{session_id}/datasets", files={"file": (path.name, handle, "text/csv")}
        )
    if accepted.status_code >= 400:
        raise DemoFailed(json.dumps(accepted.json()))
    upload = wait(client, accepted.json()["task_id"])
    root = upload["result"]["node_id"]
    print(f"uploaded {path.name} as node {root}\n\nprofile of the upload:")
    print(profile_text(client, session_id, root))

    for message in CONVERSATION:
        task = say(client, session_id, message)
        result = task["result"] or {}
        answer = result.get("message") or task.get("question") or task["error"]["message"]
        print(f"\nyou: {message}\nassistant ({task['status']}): {answer}")
        if result.get("code"):
            print("  code: " + result["code"].replace("\n", "\n        "))

    history = get(client, f"/v1/sessions/{session_id}/history")
    print_timeline(history)
    branches = get(client, f"/v1/sessions/{session_id}/branches")
    print(f"\nbranches ({len(branches['branches'])}):")
    for branch in branches["branches"]:
        mark = "  <- head is on this branch" if branch["is_head_branch"] else ""
        print(
            f"  tip {branch['tip_node_id']}: {branch['length']} versions, "
            f"{branch['row_count']} rows, last: {branch['description']}{mark}"
        )

    head = history["head_node_id"]
    diff = get(client, f"/v1/sessions/{session_id}/nodes/{root}/diff/{head}")
    print(
        f"\ndiff upload -> head: {diff['rows_removed']} rows removed, "
        f"{diff['rows_changed']} rows changed, cells changed per column: {diff['cells_changed']}"
    )
    recipe = client.get(
        f"/v1/sessions/{session_id}/nodes/{head}/recipe", params={"format": "python"}
    )
    if recipe.status_code != 200:
        raise DemoFailed(f"recipe: {recipe.text}")
    print(f"\nrecipe of the head (python recipe.py {path.name} clean.csv):\n{recipe.text}")


def say(client: httpx.Client, session_id: str, message: str) -> dict[str, Any]:
    """Send a chat message and wait for its task."""
    accepted = client.post(f"/v1/sessions/{session_id}/messages", json={"message": message})
    if accepted.status_code != 202:
        raise DemoFailed(f"{message!r}: {accepted.text}")
    return wait(client, accepted.json()["task_id"])


def wait(client: httpx.Client, task_id: str, timeout_s: float = 60) -> dict[str, Any]:
    """Poll a task until it has finished."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        task: dict[str, Any] = get(client, f"/v1/tasks/{task_id}")
        if task["status"] in {"succeeded", "failed", "needs_input"}:
            if task["kind"] == "upload" and task["status"] != "succeeded":
                raise DemoFailed(json.dumps(task["error"]))
            return task
        time.sleep(0.05)
    raise DemoFailed(f"task {task_id} did not finish within {timeout_s:.0f} s")


def get(client: httpx.Client, path: str) -> dict[str, Any]:
    """GET a JSON resource."""
    response = client.get(path)
    if response.status_code != 200:
        raise DemoFailed(f"GET {path}: {response.text}")
    body: dict[str, Any] = response.json()
    return body


def print_timeline(history: dict[str, Any]) -> None:
    """The version tree, each node under its parent, the head marked."""
    children: dict[str | None, list[dict[str, Any]]] = {}
    for node in history["nodes"]:
        children.setdefault(node["parent_id"], []).append(node)
    print("\ntimeline (version tree):")

    def show(parent: str | None, depth: int) -> None:
        for node in children.get(parent, []):
            head = "  <- head" if node["is_head"] else ""
            asked = f'  "{node["message"]}"' if node["message"] else ""
            print(
                f"  {'  ' * depth}{node['node_id']}  {node['row_count']} rows x "
                f"{node['column_count']} cols{asked}{head}"
            )
            show(node["node_id"], depth + 1)

    show(None, 0)


def profile_text(client: httpx.Client, session_id: str, node_id: str) -> str:
    """The node's profile as text, once the profiler has stored it."""
    path = f"/v1/sessions/{session_id}/nodes/{node_id}/profile"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        response = client.get(path, params={"format": "text"})
        if response.status_code == 200:
            return response.text
        if response.json()["error"]["code"] != "profile_not_ready":
            raise DemoFailed(f"profile: {response.text}")
        time.sleep(0.1)
    raise DemoFailed("the profile was not ready within 60 s")


if __name__ == "__main__":
    sys.exit(main())
