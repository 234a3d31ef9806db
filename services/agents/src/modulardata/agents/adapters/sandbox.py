"""The Tester's dry run: the sandbox's static policy, then a confined worker, on sample rows."""

from __future__ import annotations

import pandas as pd

from modulardata.agents.ports import DryRun
from modulardata.sandbox.sandbox import Sandbox

DRY_RUN_TIMEOUT_S = 10.0


class SandboxDryRun:
    """Runs a snippet on sample rows in a sandbox the composition root owns."""

    def __init__(self, sandbox: Sandbox, timeout_s: float = DRY_RUN_TIMEOUT_S) -> None:
        self._sandbox = sandbox
        self._timeout_s = timeout_s

    def __call__(self, code: str, sample: pd.DataFrame) -> DryRun:
        """The outcome of the run; the error says which rule or line failed."""
        result = self._sandbox.execute(code, sample, timeout_s=self._timeout_s)
        return DryRun(ok=result.ok, error=result.error, frame=result.df)
