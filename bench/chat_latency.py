"""Chat round trips over the real stack, and where their time goes.

One session (the default): upload a `--rows` dataset, then post `--runs` messages the offline
rule planner answers, one at a time, each polled until its task has succeeded. Prints the
p50/p95/p99 round trip and, from the OpenTelemetry spans every service exports, the median of
each stage on the critical path (gateway, each hop, plan, execute, profile, commit, read
model), which add up to the round trip. Goals: 100k rows p50 <= 150 ms, p99 <= 400 ms.

`--users N`: N users at once, each a session, an upload and `--messages` messages, polling
every 100 ms; prints messages per second on the whole machine, the round-trip distribution,
errors, and CPU seconds per message of each service (Kafka and PostgreSQL included), with
`--replicas` processes of each worker service. Goal (20 users): >= 10 messages/s, p50 <= 1 s.

Both start a stack of their own on the running Kafka and PostgreSQL (`make infra-up`):
    uv run python bench/chat_latency.py --rows 100000 --runs 60
    uv run python bench/chat_latency.py --users 20 --rows 2000 --replicas 2
`--url URL --key KEY` measures a running stack instead (`make up`), round trips only.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parents[1]))

from bench.process_cpu import cpu_seconds, processes_named  # noqa: E402
from bench.trace_stages import per_stage, stages  # noqa: E402
from tests.support.otlp_collector import OtlpCollector  # noqa: E402
from tests.support.postgres import fresh_database  # noqa: E402
from tests.support.stack import Stack  # noqa: E402

MESSAGES = (
    "trim whitespace in name",
    "drop rows where age is missing",
    "remove duplicates",
    "title case the city column",
    "round lifetime value to 1 decimal",
    "sort the table by name A-Z",
)
"""Messages the rule planner understands on the generated data; they cycle."""
INFRA = {"kafka": "kafka.Kafka", "postgresql": "postgres"}
"""How the infrastructure's processes are found, for their CPU seconds."""


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


def round_trip(client: httpx.Client, session_id: str, message: str) -> tuple[str, int, int]:
    """Post the message and wait for its task's success: (task id, sent and seen, in ns)."""
    sent = time.time_ns()
    accepted = client.post(f"/v1/sessions/{session_id}/messages", json={"message": message})
    accepted.raise_for_status()
    task = wait(client, accepted.json()["task_id"])
    seen = time.time_ns()
    if task["status"] != "succeeded":
        raise RuntimeError(f"{message!r} ended {task['status']}: {task}")
    return str(task["task_id"]), sent, seen


def percentile(sorted_ms: list[float], fraction: float) -> float:
    """The nearest-rank percentile of sorted figures."""
    return sorted_ms[min(len(sorted_ms) - 1, round(fraction * (len(sorted_ms) - 1)))]


def distribution(ms: list[float]) -> str:
    """p50, p95, p99 and max of the figures."""
    ms = sorted(ms)
    return (
        f"p50 {statistics.median(ms):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, "
        f"p99 {percentile(ms, 0.99):.0f} ms, max {ms[-1]:.0f} ms"
    )


@contextmanager
def own_stack(env: dict[str, str], replicas: int = 1) -> Iterator[Stack]:
    """A stack of its own, with a fresh database, on the running infrastructure."""
    with fresh_database("bench") as database, tempfile.TemporaryDirectory() as folder:
        stack = Stack(database_url=database, workdir=Path(folder), extra_env=env, replicas=replicas)
        stack.start()
        try:
            yield stack
        finally:
            stack.stop()


def one_session(client: httpx.Client, rows: int, runs: int) -> list[tuple[str, int, int]]:
    """Upload the dataset, warm up, then the measured round trips."""
    session_id = client.post("/v1/sessions", json={"name": "bench"}).json()["session_id"]
    uploaded = client.post(
        f"/v1/sessions/{session_id}/datasets",
        files={"file": ("bench.csv", dataset(rows), "text/csv")},
    )
    uploaded.raise_for_status()
    wait(client, uploaded.json()["task_id"])
    for message in MESSAGES:  # warm-up: connections, consumer assignment, sandbox pool
        round_trip(client, session_id, message)
    messages = itertools.cycle(MESSAGES)
    return [round_trip(client, session_id, next(messages)) for _ in range(runs)]


def latency(args: argparse.Namespace) -> None:
    """The single-session mode."""
    print(f"dataset: {args.rows} rows, runs: {args.runs}")
    if args.url:
        headers = {"Authorization": f"Bearer {args.key}"}
        with httpx.Client(base_url=args.url, headers=headers, timeout=120) as client:
            trips = one_session(client, args.rows, args.runs)
        print(f"chat round trip: {distribution([ms(t) for t in trips])}")
        return
    collector = OtlpCollector()
    collector.start()
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    try:
        with own_stack(env) as stack, stack.client() as client:
            client.timeout = httpx.Timeout(120)
            trips = one_session(client, args.rows, args.runs)
            time.sleep(1.0)  # the last spans' export
    finally:
        collector.stop()
    totals = [ms(trip) for trip in trips]
    print(f"chat round trip: {distribution(totals)}")
    chains = [stages(collector.spans, task, sent, seen) for task, sent, seen in trips]
    figures = per_stage(chains)
    print("per stage on the critical path:   median     mean")
    for name, median, mean in figures:
        print(f"  {name:40} {median:7.1f} ms {mean:6.1f} ms")
    medians_ms = sum(median for _, median, _ in figures)
    means_ms = sum(mean for _, _, mean in figures)
    print(
        f"  {'sum of the stages':40} {medians_ms:7.1f} ms {means_ms:6.1f} ms"
        f"   (round trip: median {statistics.median(totals):.1f}, "
        f"mean {statistics.mean(totals):.1f} ms)"
    )


def ms(trip: tuple[str, int, int]) -> float:
    """A round trip's milliseconds."""
    return (trip[2] - trip[1]) / 1e6


def users(args: argparse.Namespace) -> None:
    """The many-users mode."""
    from bench.load_users import Tally, User

    content = dataset(args.rows)
    tally = Tally()

    async def run(url: str, key: str) -> float:
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as client:

            async def one() -> None:
                user = User(client, tally)
                await user.set_up(content, poll_s=0.1)
                await user.chat(args.messages, poll_s=0.1)

            started = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(args.users)))
            return time.perf_counter() - started

    with own_stack({}, args.replicas) as stack:
        pids = {name: [s.process.pid] for name, s in stack.services.items() if s.process}
        pids |= processes_named(INFRA)
        before = {name: cpu_seconds(found) for name, found in pids.items()}
        wall_s = asyncio.run(run(stack.url, stack.api_key))
        spent = {name: cpu_seconds(found) - before[name] for name, found in pids.items()}
    messages = tally.tasks["succeeded"]
    print(
        f"users: {args.users} (a session, a {args.rows}-row upload, {args.messages} messages "
        f"each, polls every 100 ms), {args.replicas} process(es) of each worker service"
    )
    print(f"{messages} messages succeeded in {wall_s:.1f} s: {messages / wall_s:.1f} messages/s")
    print(f"chat round trip: {distribution(tally.round_trips_ms)}")
    print(f"tasks ended: {dict(tally.tasks)}; statuses: {dict(tally.statuses)}")
    print(f"transport errors: {dict(tally.transport_errors)}; 5xx: {dict(tally.server_errors)}")
    print("CPU seconds per message:")
    for name, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"  {1000 * seconds / max(messages, 1):7.1f} ms  {name} ({seconds:.1f} s)")


def main() -> None:
    """Measure and print the figures of the mode asked for."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--users", type=int, default=0, help="users at once (0: one session)")
    parser.add_argument("--messages", type=int, default=4, help="messages per user")
    parser.add_argument("--replicas", type=int, default=1, help="processes per worker service")
    parser.add_argument("--url", help="a running stack's gateway (single-session mode)")
    parser.add_argument("--key", help="its API key")
    args = parser.parse_args()
    if args.users:
        users(args)
    else:
        latency(args)


if __name__ == "__main__":
    main()
