"""The warm pool: one fresh worker per run, a hard wall-clock kill, and nothing left behind."""

from __future__ import annotations

import time

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
