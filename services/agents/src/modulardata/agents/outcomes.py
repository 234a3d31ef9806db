"""What planning a chat message can come to: a plan, a head move, or a question back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from modulardata.contracts.operations import Plan


@dataclass(frozen=True)
class Planned:
    """A plan to execute; `undo_first` applies it to the head's parent ("... instead")."""

    plan: Plan
    explanation: str
    planner: Literal["rules", "crew"]
    undo_first: bool = False


@dataclass(frozen=True)
class HeadMove:
    """Undo or redo: the head moves, no new version is made."""

    direction: Literal["undo", "redo"]
    steps: int = 1


@dataclass(frozen=True)
class Clarification:
    """A question for the user; `reason` says whether the request was ambiguous or unclear."""

    question: str
    reason: Literal["ambiguous", "not_understood", "failed"]


Outcome = Planned | HeadMove | Clarification
