"""Running the crew for one chat message: a checked snippet and its explanation, or a failure."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import pandas as pd
from crewai import Agent, Crew, Process, Task
from crewai.llms.base_llm import BaseLLM

from modulardata.agents.crew import prompts
from modulardata.agents.crew.tester import SnippetTest
from modulardata.agents.exceptions import CrewFailed
from modulardata.agents.outcomes import Planned
from modulardata.agents.ports import ProfileSummary, SnippetChecker
from modulardata.contracts.commands import ChatTurn
from modulardata.contracts.operations import CustomSnippet, Plan
from modulardata.contracts.tasks import TaskStage

log = logging.getLogger(__name__)


def _ignore(stage: TaskStage) -> None:
    """Default progress callback: nobody is listening."""


class CrewPlanner:
    """Strategist -> Engineer -> Tester over one model, with bounded rewrites of the snippet."""

    def __init__(
        self,
        llm: BaseLLM,
        checker: SnippetChecker,
        summary: ProfileSummary,
        *,
        max_retries: int = 2,
        profile_tokens: int = 1500,
    ) -> None:
        self.llm = llm
        self.checker = checker
        self.summary = summary
        self.max_retries = max_retries
        self.profile_tokens = profile_tokens

    def plan(
        self,
        request: str,
        sample: pd.DataFrame,
        history: Sequence[ChatTurn] = (),
        on_stage: Callable[[TaskStage], None] = _ignore,
    ) -> Planned:
        """Plan a request against sample rows of the head; `CrewFailed` when no snippet passes."""
        profile = self.summary(sample, self.profile_tokens)
        test = SnippetTest(self.checker, sample, on_stage)
        strategist, engineer, tester = (
            Agent(**spec, llm=self.llm, allow_delegation=False, max_iter=3, verbose=False)
            for spec in (prompts.STRATEGIST, prompts.ENGINEER, prompts.TESTER)
        )
        strategy = Task(
            description=prompts.strategy_task(request, profile, history),
            expected_output=prompts.STRATEGY_OUTPUT,
            agent=strategist,
            callback=lambda _: on_stage("generating_code"),
        )
        test.strategy = strategy
        engineering = Task(
            description=prompts.engineering_task(request, profile),
            expected_output=prompts.ENGINEERING_OUTPUT,
            agent=engineer,
            context=[strategy],
            guardrail=test.check,
            guardrail_max_retries=self.max_retries,
        )
        review = Task(
            description=prompts.review_task(request),
            expected_output=prompts.REVIEW_OUTPUT,
            agent=tester,
            context=[engineering],
        )
        crew = Crew(
            agents=[strategist, engineer, tester],
            tasks=[strategy, engineering, review],
            process=Process.sequential,
            verbose=False,
        )
        on_stage("thinking")
        try:
            crew.kickoff()
        except Exception as exc:  # the model or a retry limit: either way, no plan
            log.info("crew failed on %r: %s", request, exc)
            last = test.attempts[-1][1] if test.attempts else str(exc)
            raise CrewFailed(
                f"no working code after {len(test.attempts)} attempt(s): {last}"
            ) from exc
        if test.code is None or review.output is None:
            raise CrewFailed("the crew returned no checked snippet")
        explanation = review.output.raw.strip()
        snippet = CustomSnippet(code=test.code, description=explanation)
        return Planned(Plan(operations=(snippet,)), explanation, "crew")
