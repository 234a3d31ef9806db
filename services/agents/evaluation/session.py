"""A session in miniature: versions, a head, undo/redo, and the planner answering each message."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from modulardata.agents.columns import ColumnInfo, describe_columns
from modulardata.agents.outcomes import Clarification, HeadMove, Outcome, Planned
from modulardata.contracts.commands import ChatTurn
from modulardata.contracts.operations import Plan
from services.agents.evaluation.cases import Case

CUSTOMERS = Path(__file__).with_name("customers.csv")
"""The messy customers table every case starts from."""


def load_customers() -> pd.DataFrame:
    """The table as ingestion stores it: only empty cells are missing, placeholders stay text."""
    return pd.read_csv(CUSTOMERS, keep_default_na=False, na_values=[""])


class Planner(Protocol):
    """Anything that answers a chat message the way the rule planner does."""

    def plan(self, text: str, columns: list[ColumnInfo], history: list[ChatTurn]) -> Outcome: ...


def run_snippet(code: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Run a compiled plan on a copy of the frame (our own snippets: plain `exec` is enough)."""
    namespace = {"df": frame.copy(), "pd": pd, "np": np}
    exec(code, namespace)
    result = namespace["df"]
    if not isinstance(result, pd.DataFrame):
        raise TypeError("the snippet did not leave a DataFrame in df")
    return result


@dataclass
class Session:
    """Versions as a stack of frames with a head; a new version drops the redo tail."""

    versions: list[pd.DataFrame]
    head: int = 0
    history: list[ChatTurn] = field(default_factory=list)
    last: Outcome | None = None

    @classmethod
    def start(cls, frame: pd.DataFrame) -> Session:
        """A session whose only version is the uploaded frame."""
        return cls(versions=[frame])

    @property
    def frame(self) -> pd.DataFrame:
        """The head version's data."""
        return self.versions[self.head]

    def say(self, text: str, planner: Planner) -> Outcome:
        """Send one user message, apply what the planner answers, and remember both turns."""
        outcome = planner.plan(text, describe_columns(self.frame), list(self.history))
        plan: Plan | None = None
        self.history.append(ChatTurn(role="user", text=text))
        if isinstance(outcome, Planned):
            base = self.head - 1 if outcome.undo_first else self.head
            result = run_snippet(outcome.plan.compile(), self.versions[max(base, 0)])
            self.versions = [*self.versions[: max(base, 0) + 1], result]
            self.head = len(self.versions) - 1
            reply = outcome.explanation
            plan = outcome.plan
        elif isinstance(outcome, HeadMove):
            step = -outcome.steps if outcome.direction == "undo" else outcome.steps
            self.head = min(max(self.head + step, 0), len(self.versions) - 1)
            reply = f"{outcome.direction.capitalize()} done."
        else:
            reply = outcome.question
        self.history.append(ChatTurn(role="assistant", text=reply, plan=plan))
        self.last = outcome
        return outcome


def clarified(outcome: Outcome | None) -> str | None:
    """The reason of a clarification, or None when the outcome is not one."""
    return outcome.reason if isinstance(outcome, Clarification) else None


def check(case: Case, planner: Planner) -> str | None:
    """None when the planner handles the case as expected, else what went wrong."""
    session = Session.start(load_customers())
    try:
        for message in case.messages:
            session.say(message, planner)
    except Exception as exc:  # a snippet that fails to run is a wrong answer, not a crash
        return f"running the plan failed: {exc!r}"
    if case.clarify is not None and clarified(session.last) != case.clarify:
        return f"expected a question ({case.clarify}), got {session.last!r}"
    if case.clarify is None and not isinstance(session.last, Planned | HeadMove):
        return f"expected a change, got {session.last!r}"
    expected = case.expect(load_customers()) if case.expect else load_customers()
    try:
        pd.testing.assert_frame_equal(session.frame, expected)
    except AssertionError as exc:
        return f"{exc}\nplan: {_code(session.last)}"
    return None


def accuracy(cases: tuple[Case, ...], planner: Planner) -> tuple[float, dict[str, str]]:
    """The share of cases handled right, and the failures by case id."""
    failures = {case.id: problem for case in cases if (problem := check(case, planner))}
    return 1 - len(failures) / len(cases), failures


def _code(outcome: Outcome | None) -> str:
    return outcome.plan.compile() if isinstance(outcome, Planned) else repr(outcome)
