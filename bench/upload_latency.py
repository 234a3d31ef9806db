"""Upload -> node 0 latency over the real stack: p50/p95/max of N uploads, one session each.

Run against a running stack (`make up`):
    uv run python bench/upload_latency.py --key "$(cat .run/api-key)" --runs 30
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import httpx

EXAMPLE = Path(__file__).parents[1] / "examples" / "customers.csv"


def one_upload(client: httpx.Client, content: bytes) -> float:
    """Seconds from the upload request to the task's success."""
    session_id = client.post("/v1/sessions", json={"name": "bench"}).json()["session_id"]
    started = time.perf_counter()
    accepted = client.post(
        f"/v1/sessions/{session_id}/datasets", files={"file": ("bench.csv", content, "text/csv")}
    )
    accepted.raise_for_status()
    task_id = accepted.json()["task_id"]
    while True:
        status = client.get(f"/v1/tasks/{task_id}").json()["status"]
        if status == "succeeded":
            return time.perf_counter() - started
        if status == "failed":
            raise RuntimeError(f"task {task_id} failed")
        time.sleep(0.005)


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", required=True)
    parser.add_argument("--file", type=Path, default=EXAMPLE)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    content = args.file.read_bytes()
    headers = {"Authorization": f"Bearer {args.key}"}
    with httpx.Client(base_url=args.url, headers=headers, timeout=60) as client:
        one_upload(client, content)  # warm-up: connections, consumer assignment
        times = sorted(one_upload(client, content) for _ in range(args.runs))
    ms = [1000 * t for t in times]
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"file: {args.file.name} ({len(content)} bytes), runs: {args.runs}")
    print(
        f"upload -> node 0: p50 {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, "
        f"max {ms[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
