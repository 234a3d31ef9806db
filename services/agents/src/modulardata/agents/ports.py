"""What the agents need from the profiler, the sandbox and the crew, as small interfaces."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from modulardata.agents.outcomes import Planned
from modulardata.contracts.commands import ChatTurn
from modulardata.contracts.tasks import TaskStage


class ProfileSummary(Protocol):
    """Text describing a table for a prompt, within a token budget; never the raw rows."""

    def __call__(self, frame: pd.DataFrame, max_tokens: int) -> str: ...


@dataclass(frozen=True)
class DryRun:
    """What running a snippet on sample rows came to."""

    ok: bool
    error: str | None = None
    frame: pd.DataFrame | None = None


class SnippetChecker(Protocol):
    """Checks a snippet against the sandbox's policy and runs it on a sample, in the sandbox."""

    def __call__(self, code: str, sample: pd.DataFrame) -> DryRun: ...


class CodePlanner(Protocol):
    """Plans what the rules cannot: the crew, behind a model (progress goes to `on_stage`)."""

    def plan(
        self,
        request: str,
        sample: pd.DataFrame,
        history: Sequence[ChatTurn],
        on_stage: Callable[[TaskStage], None],
    ) -> Planned: ...
