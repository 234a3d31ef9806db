"""The `make run` demo: create a session, upload the messy customers file, print its history
and the profile of the upload (what the agents will see of it)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).parent


def main() -> int:
    """Run the demo against a running gateway."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", required=True, help="API key (MODULARDATA_API_KEY)")
    parser.add_argument("--file", type=Path, default=HERE / "customers.csv")
    args = parser.parse_args()

    with httpx.Client(
        base_url=args.url, headers={"Authorization": f"Bearer {args.key}"}, timeout=30
    ) as client:
        session = client.post("/v1/sessions", json={"name": "demo"})
        session.raise_for_status()
        session_id = session.json()["session_id"]
        print(f"session {session_id}")

        with args.file.open("rb") as handle:
            accepted = client.post(
                f"/v1/sessions/{session_id}/datasets",
                files={"file": (args.file.name, handle, "text/csv")},
            )
        if accepted.status_code >= 400:
            print(json.dumps(accepted.json(), indent=2), file=sys.stderr)
            return 1
        task_id = accepted.json()["task_id"]
        print(f"upload accepted as task {task_id}")

        started = time.monotonic()
        while True:
            task = client.get(f"/v1/tasks/{task_id}").json()
            if task["status"] in {"succeeded", "failed"}:
                break
            if time.monotonic() - started > 60:
                print("the task did not finish within 60 s", file=sys.stderr)
                return 1
            time.sleep(0.1)
        print(f"task {task['status']} in {1000 * (time.monotonic() - started):.0f} ms")
        if task["status"] == "failed":
            print(json.dumps(task["error"], indent=2), file=sys.stderr)
            return 1

        history = client.get(f"/v1/sessions/{session_id}/history").json()
        print(f"\nhistory of session {session_id} (head {history['head_node_id']}):")
        for number, node in enumerate(history["nodes"]):
            head = "  <- head" if node["is_head"] else ""
            print(
                f"  node {number}: {node['node_id']}  {node['row_count']} rows x "
                f"{node['column_count']} columns  {node['description']}{head}"
            )
        columns = ", ".join(c["name"] for c in history["nodes"][0]["columns"])
        print(f"  columns: {columns}")

        node_id = task["result"]["node_id"]
        report = _profile_text(client, session_id, node_id)
        if report is None:
            print("the profile was not ready within 60 s", file=sys.stderr)
            return 1
        print(f"\nprofile of node {node_id}:\n{report}")
    return 0


def _profile_text(client: httpx.Client, session_id: str, node_id: str) -> str | None:
    """The node's profile as text, once the profiler has stored it (None after 60 s)."""
    path = f"/v1/sessions/{session_id}/nodes/{node_id}/profile"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        response = client.get(path, params={"format": "text"})
        if response.status_code == 200:
            return response.text
        if response.json()["error"]["code"] != "profile_not_ready":
            response.raise_for_status()
        time.sleep(0.1)
    return None


if __name__ == "__main__":
    sys.exit(main())
