"""Per-run overhead of the sandbox (warm pool) over plain `exec` of the same snippet, p50 and
p95, and the frame transfer rate, on a 100k-row and a 1M-row frame. Target: p50 overhead at
100k rows of at most 20 ms.

    uv run python bench/sandbox_overhead.py --runs 30

The sandbox's runs are spaced by --pause-ms so each finds a warm worker, as a chat's would.
"""

from __future__ import annotations

import argparse
import datetime
import math
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from modulardata.executor.sandbox import Sandbox
from modulardata.executor.transfer import ResultLimits, frame_to_ipc, ipc_to_frame

SNIPPET = """
df = df.dropna(subset=["price"])
df["city"] = df["city"].str.strip().str.title()
df["price"] = df["price"].clip(upper=df["price"].quantile(0.99))
df["expensive"] = np.where(df["price"] > 50, "yes", "no")
"""
"""A typical cleaning step: drop, normalise text, clip outliers, derive a column."""


def frame(rows: int) -> pd.DataFrame:
    """A frame of `rows` rows with numbers, text and gaps, like an uploaded table."""
    rng = np.random.default_rng(0)
    prices = rng.gamma(2.0, 20.0, rows)
    prices[rng.random(rows) < 0.05] = np.nan
    cities = np.array([" paris", "LYON ", "berlin", "new york", "oslo"])
    return pd.DataFrame(
        {
            "id": np.arange(rows),
            "price": prices,
            "city": cities[rng.integers(0, len(cities), rows)],
            "qty": rng.integers(0, 100, rows),
        }
    )


def plain_exec(df: pd.DataFrame) -> pd.DataFrame:
    """The snippet run with no sandbox at all, on a copy (the sandbox never touches its input)."""
    namespace: dict[str, Any] = {
        "df": df.copy(),
        "pd": pd,
        "np": np,
        "re": re,
        "math": math,
        "datetime": datetime,
    }
    exec(SNIPPET, namespace)
    result: pd.DataFrame = namespace["df"]
    return result


def timed(action: Callable[[], object], runs: int, pause_s: float = 0.0) -> list[float]:
    """Milliseconds of each of `runs` calls, `pause_s` apart."""
    times = []
    for _ in range(runs):
        time.sleep(pause_s)
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(sandbox: Sandbox, rows: int, runs: int, pause_s: float) -> None:
    """Print the overhead and transfer figures for one frame size."""
    df = frame(rows)

    def sandboxed() -> None:
        result = sandbox.execute(SNIPPET, df)
        if not result.ok:
            raise RuntimeError(result.error)

    sandboxed()  # warm-up: caches, first worker
    plain = timed(lambda: plain_exec(df), runs)
    boxed = timed(sandboxed, runs, pause_s)
    noop = timed(lambda: sandbox.execute("pass", df), runs, pause_s)
    encode = timed(lambda: frame_to_ipc(df), runs)
    data = frame_to_ipc(df)
    decode = timed(lambda: ipc_to_frame(data, ResultLimits()), runs)
    megabytes = len(data) / 1e6
    rate = megabytes / ((statistics.median(encode) + statistics.median(decode)) / 1000)
    print(f"{rows:>9,} rows, {megabytes:.1f} MB as Arrow IPC, {runs} runs {pause_s:g} s apart")
    print(f"  plain exec      p50 {statistics.median(plain):8.1f} ms   p95 {p95(plain):8.1f} ms")
    print(f"  sandbox         p50 {statistics.median(boxed):8.1f} ms   p95 {p95(boxed):8.1f} ms")
    print(
        f"  overhead        p50 {statistics.median(boxed) - statistics.median(plain):8.1f} ms"
        f"   p95 {p95(boxed) - p95(plain):8.1f} ms"
    )
    print(
        f"  no-op snippet   p50 {statistics.median(noop):8.1f} ms   p95 {p95(noop):8.1f} ms"
        "   (isolation and both transfers, nothing else)"
    )
    print(
        f"  transfer        {rate:8.0f} MB/s   (Arrow IPC encode p50 "
        f"{statistics.median(encode):.1f} ms + decode p50 {statistics.median(decode):.1f} ms)"
    )


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--pause-ms",
        type=float,
        default=300,
        help="time between sandbox runs, in which the pool replaces the used worker "
        "(a chat's snippets are seconds apart); 0 measures back-to-back throughput",
    )
    args = parser.parse_args()
    sandbox = Sandbox(pool_size=args.workers)
    started = time.perf_counter()
    sandbox.start()
    print(f"warm pool of {args.workers} started in {time.perf_counter() - started:.2f} s")
    print(f"confinement: {sandbox.pool.confinement}")
    try:
        for rows in args.rows:
            measure(sandbox, rows, args.runs, args.pause_ms / 1000)
    finally:
        sandbox.close()


if __name__ == "__main__":
    main()
