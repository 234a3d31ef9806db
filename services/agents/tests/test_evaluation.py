"""The evaluation set, run as tests: each request on the messy customers table must give the
frame a user expects (or a question where one is due). Known misses are marked; the overall
accuracy must stay at or above 90%."""

from __future__ import annotations

import pytest

from modulardata.agents.rules import RulePlanner
from services.agents.evaluation.cases import CASES, Case
from services.agents.evaluation.session import accuracy, check

KNOWN_MISSES = {
    "p-drop-col-2": "a pronoun ('drop them') pointing back inside the same message",
    "p-filter-4": "'active customers' needs to know which values of is_active mean active",
}
"""Cases the rule planner gets wrong today, with why; the crew is meant for such requests."""

TARGET = 0.90


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[c.id]))
        if c.id in KNOWN_MISSES
        else c
        for c in CASES
    ],
    ids=[c.id for c in CASES],
)
def test_the_rule_planner_handles_the_case(case: Case) -> None:
    problem = check(case, RulePlanner())
    assert problem is None, problem


def test_the_evaluation_set_is_large_enough() -> None:
    assert len(CASES) >= 80
    assert len({c.id for c in CASES}) == len(CASES)
    assert sum(len(c.messages) > 1 for c in CASES) >= 10
    assert sum(c.clarify is not None for c in CASES) >= 5


def test_rule_planner_accuracy_meets_the_target() -> None:
    score, failures = accuracy(CASES, RulePlanner())
    assert set(failures) == set(KNOWN_MISSES)
    assert score >= TARGET
