"""Per-run overhead of the sandbox (warm pool) over plain `exec` of the same snippet, p50 and
p95, and the frame transfer rate, on a 100k-row and a 1M-row frame, with the workers' seccomp
filter and without it, and the time a worker takes to load the filter. Target: p50 overhead at
100k rows of at most 20 ms, with the filter.

    uv run python bench/sandbox_overhead.py --runs 30

The sandbox's runs are spaced by --pause-ms so each finds a warm worker, as a chat's would.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import re
import socket
import statistics
import struct
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from modulardata.sandbox.sandbox import Sandbox
from modulardata.sandbox.syscall_filter import SeccompMode, build_filter, install_filter
from modulardata.sandbox.transfer import ResultLimits, frame_to_ipc, ipc_to_frame

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
    return interleaved({"": action}, runs, pause_s)[""]


def interleaved(
    actions: dict[str, Callable[[], object]], runs: int, pause_s: float = 0.0
) -> dict[str, list[float]]:
    """Milliseconds of `runs` calls of each action, taken in turn so they share the machine's
    ups and downs, each call `pause_s` after the one before."""
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            time.sleep(pause_s)
            started = time.perf_counter()
            action()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def figures(label: str, values: list[float], note: str = "") -> str:
    """One line: the label, p50 and p95."""
    return (
        f"  {label:<24} p50 {statistics.median(values):8.1f} ms   p95 {p95(values):8.1f} ms{note}"
    )


def measure(sandboxes: dict[SeccompMode, Sandbox], rows: int, runs: int, pause_s: float) -> None:
    """Print the overhead and transfer figures for one frame size, for each filter mode."""
    df = frame(rows)

    def run(sandbox: Sandbox, code: str) -> Callable[[], None]:
        def execute() -> None:
            result = sandbox.execute(code, df)
            if not result.ok:
                raise RuntimeError(result.error)

        return execute

    for sandbox in sandboxes.values():
        run(sandbox, SNIPPET)()  # warm-up: caches, first worker
    plain = timed(lambda: plain_exec(df), runs)
    boxed = interleaved({mode: run(box, SNIPPET) for mode, box in sandboxes.items()}, runs, pause_s)
    noop = interleaved({mode: run(box, "pass") for mode, box in sandboxes.items()}, runs, pause_s)
    encode = timed(lambda: frame_to_ipc(df), runs)
    data = frame_to_ipc(df)
    decode = timed(lambda: ipc_to_frame(data, ResultLimits()), runs)
    megabytes = len(data) / 1e6
    rate = megabytes / ((statistics.median(encode) + statistics.median(decode)) / 1000)
    print(f"{rows:>9,} rows, {megabytes:.1f} MB as Arrow IPC, {runs} runs {pause_s:g} s apart")
    print(figures("plain exec", plain))
    for mode in sandboxes:
        overhead = [b - p for b, p in zip(sorted(boxed[mode]), sorted(plain), strict=True)]
        print(figures(f"sandbox, seccomp {mode}", boxed[mode]))
        print(figures(f"overhead, seccomp {mode}", overhead))
        print(figures(f"no-op, seccomp {mode}", noop[mode], "   (isolation and transfers)"))
    print(
        f"  transfer        {rate:8.0f} MB/s   (Arrow IPC encode p50 "
        f"{statistics.median(encode):.1f} ms + decode p50 {statistics.median(decode):.1f} ms)"
    )


def filter_load_ms(runs: int) -> list[float]:
    """Milliseconds a fresh fork takes to load the enforcing filter, as a worker does."""
    syscalls = build_filter(SeccompMode.ENFORCE)
    times: list[float] = []
    for _ in range(runs):
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            started = time.perf_counter()
            install_filter(syscalls)
            # A socket, not a pipe: the filter lets a worker send, never write.
            theirs.send(struct.pack("d", (time.perf_counter() - started) * 1000))
            os._exit(0)
        theirs.close()
        times.extend(struct.unpack("d", ours.recv(8)))
        ours.close()
        os.waitpid(pid, 0)
    return times


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
    parser.add_argument(
        "--seccomp",
        type=SeccompMode,
        nargs="+",
        default=[SeccompMode.ENFORCE, SeccompMode.OFF],
        help="the workers' filter modes, measured side by side (one pool each)",
    )
    args = parser.parse_args()
    sandboxes = {mode: Sandbox(pool_size=args.workers, seccomp=mode) for mode in args.seccomp}
    try:
        for mode, sandbox in sandboxes.items():
            started = time.perf_counter()
            sandbox.start()
            print(
                f"seccomp {mode}: pool of {args.workers} in {time.perf_counter() - started:.2f} s"
            )
            print(f"  confinement: {sandbox.pool.confinement}")
        for rows in args.rows:
            measure(sandboxes, rows, args.runs, args.pause_ms / 1000)
    finally:
        for sandbox in sandboxes.values():
            sandbox.close()
    print(figures("filter load in a fork", filter_load_ms(args.runs)))


if __name__ == "__main__":
    main()
