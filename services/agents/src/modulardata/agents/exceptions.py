"""The agents' errors: why a rule made no plan (turned into questions), and crew failures."""

from __future__ import annotations


class AgentsError(Exception):
    """Base of every error the agents raise on purpose."""


class CrewFailed(AgentsError):
    """The crew could not produce a snippet that passes the Tester; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RuleError(AgentsError):
    """A rule matched the words but cannot make a plan from them."""


class NoMatch(RuleError):
    """The rule does not apply to this request; the next rule is tried."""


class UnknownColumn(RuleError):
    """A phrase names no column of the table."""

    def __init__(self, phrase: str) -> None:
        super().__init__(phrase)
        self.phrase = phrase.strip()


class AmbiguousColumn(RuleError):
    """A phrase could name several columns."""

    def __init__(self, phrase: str, candidates: tuple[str, ...]) -> None:
        super().__init__(phrase)
        self.phrase = phrase.strip()
        self.candidates = candidates


class Unclear(RuleError):
    """The request is understood but open to several readings; `question` asks which."""

    def __init__(self, question: str) -> None:
        super().__init__(question)
        self.question = question
