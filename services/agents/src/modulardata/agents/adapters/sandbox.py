"""The Tester's dry run: the executor's sandbox (static policy, then a confined worker)."""

from __future__ import annotations

import pandas as pd

from modulardata.agents.ports import DryRun
from modulardata.executor.sandbox import execute_safe_transformation

DRY_RUN_TIMEOUT_S = 10.0


def sandbox_dry_run(code: str, sample: pd.DataFrame) -> DryRun:
    """Run the snippet on sample rows in the sandbox; the error says which rule or line failed."""
    result = execute_safe_transformation(code, sample, timeout_s=DRY_RUN_TIMEOUT_S)
    return DryRun(ok=result.ok, error=result.error, frame=result.df)
