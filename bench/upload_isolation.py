"""Other users' uploads while one slow upload is read: p50/p95 of upload -> node 0, with the
profiler reading 1 upload at a time and with 3 (MODULARDATA_PROFILER_READ_WORKERS).

Starts a stack of its own per setting on the running Kafka and PostgreSQL (`make infra-up`):
    uv run python bench/upload_isolation.py --runs 20
The slow upload is a workbook of 1,000,000 rows (within every limit, ~15 s to read).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parents[1]))

from bench.upload_latency import EXAMPLE, one_upload  # noqa: E402
from tests.support.bombs import xlsx_bomb  # noqa: E402
from tests.support.postgres import fresh_database  # noqa: E402
from tests.support.stack import Stack  # noqa: E402


def _percentile(ms: list[float], share: float) -> float:
    return ms[min(len(ms) - 1, round(share * (len(ms) - 1)))]


def measure(workers: int, runs: int, slow: bytes, content: bytes) -> tuple[list[float], float]:
    """Upload times (ms) of `runs` ordinary uploads, one every 0.25 s while `slow` is read,
    and how long the slow one took to be answered (s)."""
    env = {"MODULARDATA_PROFILER_READ_WORKERS": str(workers)}
    with fresh_database("bench") as url, tempfile.TemporaryDirectory() as folder:
        stack = Stack(database_url=url, workdir=Path(folder), extra_env=env)
        stack.start()
        try:
            with stack.client() as client, ThreadPoolExecutor(runs + 1) as pool:
                client.timeout = httpx.Timeout(120)
                for _ in range(3):  # warm-up: connections, consumer assignment, readers
                    one_upload(client, content)
                started = time.perf_counter()
                slow_upload = pool.submit(_slow_upload, stack, slow)
                time.sleep(1.0)  # let the slow read start
                ordinary = []
                for _ in range(runs):
                    ordinary.append(pool.submit(one_upload, client, content))
                    time.sleep(0.25)
                times = sorted(1000 * upload.result() for upload in ordinary)
                slow_upload.result()
                return times, time.perf_counter() - started
        finally:
            stack.stop()


def _slow_upload(stack: Stack, slow: bytes) -> None:
    with stack.client() as client:
        client.timeout = httpx.Timeout(120)
        session_id = client.post("/v1/sessions", json={"name": "slow"}).json()["session_id"]
        client.post(
            f"/v1/sessions/{session_id}/datasets", files={"file": ("slow.xlsx", slow)}
        ).raise_for_status()


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--slow-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    slow, content = xlsx_bomb(args.slow_rows), EXAMPLE.read_bytes()
    print(
        f"slow upload: xlsx of {args.slow_rows:,} rows ({len(slow):,} bytes); "
        f"ordinary: {EXAMPLE.name} ({len(content):,} bytes), runs: {args.runs}"
    )
    for workers in (1, 3):
        ms, slow_s = measure(workers, args.runs, slow, content)
        print(
            f"read workers {workers}: upload -> node 0 p50 {statistics.median(ms):.0f} ms, "
            f"p95 {_percentile(ms, 0.95):.0f} ms, max {ms[-1]:.0f} ms "
            f"(slow upload answered after {slow_s:.1f} s)"
        )


if __name__ == "__main__":
    main()
