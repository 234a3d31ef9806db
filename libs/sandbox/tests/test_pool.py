"""The warm pool: one fresh worker per run, a hard wall-clock kill, and nothing left behind."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from modulardata.sandbox.sandbox import Sandbox

FRAME = pd.DataFrame({"a": [1, 2, 3]})


def test_state_a_snippet_leaves_behind_cannot_reach_the_next_run(sandbox: Sandbox) -> None:
    seeded = sandbox.execute("np.random.seed(7)\ndf['r'] = np.random.randint(0, 10**9)", FRAME)
    assert seeded.ok, seeded.error
    after = sandbox.execute("df['r'] = np.random.randint(0, 10**9)", FRAME)
    assert after.ok and after.df is not None
    np.random.seed(7)
    assert int(after.df["r"].iloc[0]) != np.random.randint(0, 10**9)

    # A module-level dict every layer lets a snippet change: the next run never sees it.
    poisoned = sandbox.execute("np.typecodes['Character'] = 'leaked'\ndf['t'] = 1", FRAME)
    assert poisoned.ok, poisoned.error
    clean = sandbox.execute("df['t'] = np.typecodes['Character']", FRAME)
    assert clean.ok and clean.df is not None
    assert clean.df["t"].tolist() == [np.typecodes["Character"]] * 3 != ["leaked"] * 3


def test_a_runaway_snippet_is_killed_and_its_worker_replaced(sandbox: Sandbox) -> None:
    started = time.monotonic()
    stuck = sandbox.execute("while True:\n    pass", FRAME, timeout_s=0.5)
    assert not stuck.ok
    assert stuck.error == "the snippet took longer than 0.5 s and was stopped"
    assert time.monotonic() - started < 5
    fine = sandbox.execute("df['b'] = df['a'] + 1", FRAME)
    assert fine.ok and fine.df is not None
    assert fine.df["b"].tolist() == [2, 3, 4]


def test_errors_name_the_type_message_and_line(sandbox: Sandbox) -> None:
    result = sandbox.execute("x = 1\ny = 2\ndf['c'] = df['nope']", FRAME)
    assert result.error == "line 3: KeyError: 'nope'"


def test_memory_is_limited_per_run(sandbox: Sandbox) -> None:
    result = sandbox.execute("x = np.ones(10**9)", FRAME, memory_mb=128)
    assert result.error == "the snippet ran out of memory (the limit is 128 MB)"
    assert sandbox.execute("x = np.ones(10**6)", FRAME, memory_mb=128).ok


def test_the_pool_reports_its_confinement(sandbox: Sandbox) -> None:
    confinement = sandbox.pool.confinement
    assert confinement is not None
    assert confinement.network_isolated or confinement.notes


def _idle_worker_rss_mb(box: Sandbox) -> float:
    """The resident memory of the pool's one idle worker once its warm-up is over."""
    deadline = time.monotonic() + 10
    while not box.pool._idle.queue:  # the used worker's replacement is on its way
        assert time.monotonic() < deadline, "no worker replaced the used one"
        time.sleep(0.05)
    pid = box.pool._idle.queue[0].pid
    seen: list[float] = []
    while len(seen) < 6 or seen[-1] != seen[-6]:  # unchanged for half a second
        assert len(seen) < 200, f"worker {pid} kept growing: {seen[-6:]}"
        status = Path(f"/proc/{pid}/status").read_text()
        seen.append(int(re.search(r"VmRSS:\s+(\d+)", status)[1]) / 1024)  # type: ignore[index]
        time.sleep(0.1)
    return seen[-1]


def test_a_worker_warms_up_for_the_recent_inputs_sizes() -> None:
    box = Sandbox(pool_size=1)
    try:
        box.start()
        before_any_job = _idle_worker_rss_mb(box)
        assert box.execute("df['b'] = df['a'] + 1", FRAME).ok
        after_small_jobs = _idle_worker_rss_mb(box)
        big = pd.DataFrame({"n": np.arange(500_000, dtype=np.float64)})
        assert box.execute("df['n'] = df['n'] * 2", big).ok
        after_a_big_job = _idle_worker_rss_mb(box)
    finally:
        box.close()
    # The full warm-up (before any job, and after a 4 MB input) faults in some 90 MB that a
    # worker expecting a three-row table does without.
    assert before_any_job - after_small_jobs > 50, (before_any_job, after_small_jobs)
    assert after_a_big_job - after_small_jobs > 50, (after_a_big_job, after_small_jobs)
