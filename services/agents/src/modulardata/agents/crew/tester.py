"""The Tester's checks, run as the guardrail of the Engineer's task: a failure goes back to the
Engineer with the error (CrewAI retries the task), a pass hands the code on with its report."""

# No `from __future__ import annotations` here: CrewAI validates a guardrail by inspecting its
# return annotation at runtime, which must then be a real `tuple[bool, str]`, not a string.

import ast
import re
from collections.abc import Callable

import pandas as pd
from crewai import Task
from crewai.tasks.task_output import TaskOutput

from modulardata.agents.ports import DryRun, SnippetChecker
from modulardata.contracts.tasks import TaskStage

_FENCED = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.DOTALL | re.IGNORECASE)


def extract_code(reply: str) -> str:
    """The snippet in a reply: its fenced block, or the whole reply when it is bare code."""
    fenced = _FENCED.search(reply)
    return (fenced.group(1) if fenced else reply).strip()


class SnippetTest:
    """Parses a snippet, checks it in the sandbox on sample rows, and remembers what passed."""

    def __init__(
        self, checker: SnippetChecker, sample: pd.DataFrame, on_stage: Callable[[TaskStage], None]
    ) -> None:
        self.checker = checker
        self.sample = sample
        self.on_stage = on_stage
        self.strategy: Task | None = None
        self.code: str | None = None
        self.result: DryRun | None = None
        self.attempts: list[tuple[str, str | None]] = []

    def check(self, output: TaskOutput) -> tuple[bool, str]:
        """CrewAI guardrail: (True, code and report) or (False, what to fix)."""
        self.on_stage("testing")
        code = extract_code(output.raw)
        error = self._problem(code)
        self.attempts.append((code, error))
        if error is not None:
            plan = self.strategy.output.raw if self.strategy and self.strategy.output else ""
            return False, f"{error}\nRewrite the snippet. The plan to implement:\n{plan}"
        self.code = code
        return True, f"```python\n{code}\n```\n{self._report()}"

    def _problem(self, code: str) -> str | None:
        if not code:
            return "The reply holds no code."
        try:
            ast.parse(code)
        except SyntaxError as exc:
            return f"The snippet does not parse: {exc.msg} (line {exc.lineno})."
        self.result = self.checker(code, self.sample)
        if not self.result.ok:
            return f"The snippet failed on sample rows in the sandbox: {self.result.error}"
        return None

    def _report(self) -> str:
        after = self.result.frame if self.result else None
        if after is None:
            return "Checks passed."
        added = [c for c in after.columns if c not in self.sample.columns]
        removed = [c for c in self.sample.columns if c not in after.columns]
        return (
            f"Checks passed: it parses, the sandbox allows it, and on {len(self.sample)} sample "
            f"rows it left {len(after)} rows; columns added: {added or 'none'}, removed: "
            f"{removed or 'none'}."
        )
