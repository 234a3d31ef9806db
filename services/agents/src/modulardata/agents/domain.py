"""Answering a chat message: the rule planner first, the crew for what it did not understand."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from modulardata.agents.columns import describe_columns
from modulardata.agents.exceptions import CrewFailed
from modulardata.agents.outcomes import Clarification, Outcome
from modulardata.agents.ports import CodePlanner
from modulardata.agents.rules import RulePlanner
from modulardata.contracts.commands import ChatTurn
from modulardata.contracts.tasks import TaskStage


class ChatPlanner:
    """The rules answer what they are sure of; with a model configured the crew takes the rest.

    An ambiguous request stays a question even with a crew: asking beats guessing.
    """

    def __init__(self, rules: RulePlanner, crew: CodePlanner | None = None) -> None:
        self.rules = rules
        self.crew = crew

    def answer(
        self,
        text: str,
        sample: pd.DataFrame,
        history: Sequence[ChatTurn],
        on_stage: Callable[[TaskStage], None],
    ) -> Outcome:
        """A plan, a head move or a question for one message about the head's sample rows."""
        outcome = self.rules.plan(text, describe_columns(sample), history)
        understood = not (isinstance(outcome, Clarification) and outcome.reason == "not_understood")
        if self.crew is None or understood:
            return outcome
        try:
            return self.crew.plan(text, sample, history, on_stage)
        except CrewFailed as exc:
            return Clarification(
                f"I could not write working code for that ({exc.reason}). Could you rephrase "
                "it, or ask for one step at a time?",
                "failed",
            )
