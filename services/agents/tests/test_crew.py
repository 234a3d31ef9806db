"""The crew really runs (Agents, Tasks, Crew.kickoff) against a scripted model at CrewAI's LLM
boundary: prompts carry the profile and the conversation, the Engineer's code reaches the
Tester, a failing snippet goes back to the Engineer with its error, and the result is a plan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modulardata.agents.adapters.profiler import profile_summary
from modulardata.agents.adapters.sandbox import SandboxDryRun
from modulardata.agents.crew import CrewPlanner
from modulardata.agents.exceptions import CrewFailed
from modulardata.agents.ports import DryRun
from modulardata.contracts.commands import ChatTurn
from modulardata.contracts.operations import CustomSnippet
from services.agents.tests.scripted_llm import ScriptedLLM

SAMPLE = pd.DataFrame({"name": ["Ann", "Bob", "Cy"], "score": ["10", "n/a", "7"]})
HISTORY = [
    ChatTurn(role="user", text="trim spaces in name"),
    ChatTurn(role="assistant", text="Trim surrounding whitespace in 'name'."),
]
GOOD = 'df["score"] = pd.to_numeric(df["score"], errors="coerce") * 2'
BAD = 'df["scores"] = df["scores"] * 2'


def summary(frame: pd.DataFrame, max_tokens: int) -> str:
    return f"PROFILE {len(frame)} rows: " + ", ".join(f"{c} ({frame[c].dtype})" for c in frame)


class PlainExec:
    """A stand-in for the sandbox that runs snippets with plain `exec` (test code only)."""

    def __init__(self) -> None:
        self.codes: list[str] = []

    def __call__(self, code: str, sample: pd.DataFrame) -> DryRun:
        self.codes.append(code)
        namespace = {"df": sample.copy(), "pd": pd, "np": np}
        try:
            exec(code, namespace)
        except Exception as exc:
            return DryRun(ok=False, error=f"{type(exc).__name__}: {exc}")
        result = namespace["df"]
        assert isinstance(result, pd.DataFrame)
        return DryRun(ok=True, frame=result)


def answer(text: str) -> str:
    return f"Thought: I know what to do.\nFinal Answer: {text}"


def script(*engineer: str, explanation: str = "Doubles the score.") -> ScriptedLLM:
    return ScriptedLLM(
        model="scripted",
        temperature=0,
        replies={
            "Data cleaning strategist": [answer("1. Convert 'score' to numbers. 2. Double it.")],
            "Pandas engineer": [answer(f"```python\n{code}\n```") for code in engineer],
            "Tester": [answer(explanation)],
        },
    )


def test_the_crew_plans_from_the_profile_and_the_conversation() -> None:
    llm, checker, stages = script(GOOD), PlainExec(), list[str]()
    planned = CrewPlanner(llm, checker, summary).plan(
        "double the score", SAMPLE, HISTORY, on_stage=stages.append
    )

    (strategist,) = llm.seen_by("Data cleaning strategist")
    assert "PROFILE 3 rows: name (str), score (str)" in strategist
    assert "user: trim spaces in name" in strategist and "double the score" in strategist
    assert "Ann" not in strategist  # the profile, never the rows
    (engineer,) = llm.seen_by("Pandas engineer")
    assert "Convert 'score' to numbers" in engineer
    (tester,) = llm.seen_by("Tester")
    assert GOOD in tester and "on 3 sample rows it left 3 rows" in tester
    assert checker.codes == [GOOD]
    assert stages == ["thinking", "generating_code", "testing"]
    assert planned.planner == "crew" and planned.explanation == "Doubles the score."
    assert planned.plan.operations == (CustomSnippet(code=GOOD, description="Doubles the score."),)
    assert planned.plan.compile() == GOOD


def test_a_failing_snippet_goes_back_to_the_engineer_with_its_error() -> None:
    llm, checker = script(BAD, GOOD), PlainExec()
    planned = CrewPlanner(llm, checker, summary, max_retries=2).plan("double the score", SAMPLE)

    first, second = llm.seen_by("Pandas engineer")
    assert "KeyError" not in first
    assert "KeyError: 'scores'" in second and BAD in second
    assert "Convert 'score' to numbers" in second  # the plan survives the retry
    assert checker.codes == [BAD, GOOD]
    assert GOOD in llm.seen_by("Tester")[0]
    assert planned.plan.compile() == GOOD


def test_code_that_does_not_parse_is_sent_back_before_it_runs() -> None:
    llm, checker = script("df = df[", GOOD), PlainExec()
    CrewPlanner(llm, checker, summary).plan("double the score", SAMPLE)
    assert "does not parse" in llm.seen_by("Pandas engineer")[1]
    assert checker.codes == [GOOD]


def test_the_crew_gives_up_after_the_retry_limit() -> None:
    llm, checker = script(BAD, BAD, BAD), PlainExec()
    with pytest.raises(CrewFailed, match="KeyError"):
        CrewPlanner(llm, checker, summary, max_retries=1).plan("double the score", SAMPLE)
    assert checker.codes == [BAD, BAD]
    assert llm.seen_by("Tester") == []


def test_the_real_sandbox_and_profile_feed_the_crew(dry_run: SandboxDryRun) -> None:
    llm = script("import os\ndf = df", GOOD)
    planned = CrewPlanner(llm, dry_run, profile_summary).plan("double the score", SAMPLE)

    assert "score (" in llm.seen_by("Data cleaning strategist")[0]
    retry = llm.seen_by("Pandas engineer")[1]
    assert "the snippet was refused" in retry and "imports are not allowed" in retry
    assert planned.plan.compile() == GOOD
