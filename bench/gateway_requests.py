"""What one request costs the gateway (and PostgreSQL) in CPU: the polls of a task that every
client makes while it waits, and a session's history.

Starts a stack of its own on the running infrastructure (`make infra-up`), makes a session with
one upload and one chat message, then sends `--requests` GETs of each kind from `--clients`
clients at once and prints, per request, the gateway's and PostgreSQL's CPU milliseconds and the
latency distribution:

    uv run python bench/gateway_requests.py --requests 2000 --clients 8
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parents[1]))

from bench.chat_latency import INFRA, dataset, wait  # noqa: E402
from bench.process_cpu import cpu_seconds, processes_named  # noqa: E402
from tests.support.postgres import fresh_database  # noqa: E402
from tests.support.stack import Stack  # noqa: E402


async def hammer(
    url: str, headers: dict[str, str], path: str, requests: int, clients: int
) -> list[float]:
    """Send `requests` GETs of `path` from `clients` clients at once; each one's latency (ms)."""
    latencies: list[float] = []
    remaining = iter(range(requests))

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as http:
            for _ in remaining:
                started = time.perf_counter()
                response = await http.get(path)
                response.raise_for_status()
                latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies


def measure(stack: Stack, path: str, requests: int, clients: int) -> None:
    """Print what `requests` GETs of `path` cost the gateway and PostgreSQL."""
    gateway = [stack.services["gateway"].process.pid]  # type: ignore[union-attr]
    postgres = processes_named(INFRA)["postgresql"]
    before = cpu_seconds(gateway), cpu_seconds(postgres)
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    latencies = asyncio.run(hammer(stack.url, headers, path, requests, clients))
    gateway_s, postgres_s = cpu_seconds(gateway) - before[0], cpu_seconds(postgres) - before[1]
    latencies.sort()
    kind = path.split("/")[2]
    print(
        f"GET {kind}: gateway {gateway_s / requests * 1000:.2f} ms CPU, PostgreSQL "
        f"{postgres_s / requests * 1000:.2f} ms CPU per request; latency p50 "
        f"{statistics.median(latencies):.1f} ms, p99 {latencies[int(0.99 * len(latencies))]:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    with fresh_database("bench") as database, tempfile.TemporaryDirectory() as folder:
        stack = Stack(database_url=database, workdir=Path(folder))
        stack.start()
        try:
            with stack.client() as client:
                session = client.post("/v1/sessions", json={"name": "bench"}).json()["session_id"]
                files = {"file": ("bench.csv", dataset(2000), "text/csv")}
                uploaded = client.post(f"/v1/sessions/{session}/datasets", files=files)
                wait(client, uploaded.raise_for_status().json()["task_id"])
                sent = client.post(
                    f"/v1/sessions/{session}/messages", json={"message": "remove duplicates"}
                )
                task = wait(client, sent.raise_for_status().json()["task_id"])
            print(f"{args.requests} requests of each kind, {args.clients} clients at once")
            measure(stack, f"/v1/tasks/{task['task_id']}", args.requests, args.clients)
            measure(stack, f"/v1/sessions/{session}/history", args.requests, args.clients)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
