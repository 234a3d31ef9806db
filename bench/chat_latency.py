"""Chat round trip over the real stack: message -> new version, on a 100k-row dataset.

Each run posts a message the offline rule planner answers and polls its task until it has
succeeded: gateway -> versioning -> agents -> executor -> profiler -> versioning -> read model.
Prints p50/p95/p99 (goal: p50 <= 150 ms, p99 <= 500 ms).

Run against a running stack (`make up`):
    uv run python bench/chat_latency.py --key "$(cat .run/api-key)" --runs 100
"""

from __future__ import annotations

import argparse
import io
import itertools
import statistics
import time

import httpx
import numpy as np
import pandas as pd

MESSAGES = (
    "trim whitespace in name",
    "drop rows where age is missing",
    "remove duplicates",
    "title case the city column",
    "round lifetime value to 1 decimal",
    "sort the table by name A-Z",
)
"""Messages the rule planner understands on the generated data; they cycle."""


def dataset(rows: int) -> bytes:
    """A customers-like CSV with `rows` rows, some values missing or untidy."""
    rng = np.random.default_rng(7)
    names = np.array([" ann lee", "Bob Stone ", "carl Diaz", "Dana Wu", "eve Park"])
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(rows),
            "name": names[rng.integers(0, len(names), rows)],
            "email": [f"user{i}@example.com" for i in range(rows)],
            "age": np.where(rng.random(rows) < 0.05, np.nan, rng.integers(18, 90, rows)),
            "city": rng.choice(["berlin", "Paris", "LAGOS", "lima"], rows),
            "lifetime_value": rng.normal(500, 150, rows).round(2),
        }
    )
    buffer = io.BytesIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue()


def wait(client: httpx.Client, task_id: str) -> dict[str, object]:
    """Poll a task until it has finished."""
    while True:
        task: dict[str, object] = client.get(f"/v1/tasks/{task_id}").json()
        if task["status"] in ("succeeded", "failed", "needs_input"):
            return task
        time.sleep(0.01)


def round_trip(client: httpx.Client, session_id: str, message: str) -> float:
    """Seconds from posting the message to its task's success."""
    started = time.perf_counter()
    accepted = client.post(f"/v1/sessions/{session_id}/messages", json={"message": message})
    accepted.raise_for_status()
    task = wait(client, accepted.json()["task_id"])
    elapsed = time.perf_counter() - started
    if task["status"] != "succeeded":
        raise RuntimeError(f"{message!r} ended {task['status']}: {task}")
    return elapsed


def percentile(sorted_ms: list[float], fraction: float) -> float:
    """The nearest-rank percentile of sorted figures."""
    return sorted_ms[min(len(sorted_ms) - 1, round(fraction * (len(sorted_ms) - 1)))]


def main() -> None:
    """Upload the dataset once, then measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    headers = {"Authorization": f"Bearer {args.key}"}
    with httpx.Client(base_url=args.url, headers=headers, timeout=120) as client:
        session_id = client.post("/v1/sessions", json={"name": "bench"}).json()["session_id"]
        content = dataset(args.rows)
        uploaded = client.post(
            f"/v1/sessions/{session_id}/datasets",
            files={"file": ("bench.csv", content, "text/csv")},
        )
        uploaded.raise_for_status()
        wait(client, uploaded.json()["task_id"])
        messages = itertools.cycle(MESSAGES)
        for message in MESSAGES:  # warm-up: connections, consumer assignment, sandbox pool
            round_trip(client, session_id, message)
        ms = sorted(1000 * round_trip(client, session_id, next(messages)) for _ in range(args.runs))
    print(f"dataset: {args.rows} rows ({len(content) / 1e6:.1f} MB CSV), runs: {args.runs}")
    print(
        f"chat round trip: p50 {statistics.median(ms):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms,"
        f" p99 {percentile(ms, 0.99):.0f} ms, max {ms[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
