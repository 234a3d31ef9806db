"""Rule planner: accuracy on the evaluation set and planning latency (p50/p95/max).

Each message of every evaluation case is planned as in a session (columns of the current head,
the conversation so far); only the planner's own call is timed, not running the snippets.
    uv run python bench/planner_bench.py --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from modulardata.agents.columns import ColumnInfo  # noqa: E402
from modulardata.agents.outcomes import Outcome  # noqa: E402
from modulardata.agents.rules import RulePlanner  # noqa: E402
from modulardata.contracts.commands import ChatTurn  # noqa: E402
from services.agents.evaluation.cases import CASES  # noqa: E402
from services.agents.evaluation.session import Session, accuracy, load_customers  # noqa: E402


class TimedPlanner:
    """The rule planner, with the duration of every call recorded."""

    def __init__(self) -> None:
        self.planner = RulePlanner()
        self.seconds: list[float] = []

    def plan(self, text: str, columns: list[ColumnInfo], history: list[ChatTurn]) -> Outcome:
        started = time.perf_counter()
        outcome = self.planner.plan(text, columns, history)
        self.seconds.append(time.perf_counter() - started)
        return outcome


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="times the whole set is planned")
    args = parser.parse_args()
    score, failures = accuracy(CASES, RulePlanner())
    timed = TimedPlanner()
    frame = load_customers()
    for _ in range(args.rounds):
        for case in CASES:
            session = Session.start(frame)
            for message in case.messages:
                session.say(message, timed)
    ms = sorted(1000 * s for s in timed.seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    passed = len(CASES) - len(failures)
    print(f"evaluation set: {len(CASES)} cases, {passed} handled right: accuracy {score:.1%}")
    if failures:
        print(f"missed: {', '.join(sorted(failures))}")
    print(
        f"planning latency over {len(ms)} messages: p50 {statistics.median(ms):.2f} ms, "
        f"p95 {p95:.2f} ms, max {ms[-1]:.2f} ms"
    )


if __name__ == "__main__":
    main()
