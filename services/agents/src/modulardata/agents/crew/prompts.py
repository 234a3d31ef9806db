"""What each member of the crew is told: roles, goals and task instructions."""

from __future__ import annotations

from collections.abc import Sequence

from modulardata.contracts.commands import ChatTurn

STRATEGIST = {
    "role": "Data cleaning strategist",
    "goal": "Turn a user's request about their table into a short technical plan that names "
    "the exact columns and pandas operations to use.",
    "backstory": "You know pandas and messy business data. You only see a profile of the "
    "table, never its rows, and you never invent columns that are not in the profile.",
}
ENGINEER = {
    "role": "Pandas engineer",
    "goal": "Write the shortest correct pandas snippet that carries out the plan.",
    "backstory": "Your snippets run in a sandbox that provides `df` (the table), `pd` and `np` "
    "and keeps whatever the snippet leaves in `df`. Imports, files, network, eval and dunder "
    "names are refused there.",
}
TESTER = {
    "role": "Tester",
    "goal": "Make sure the snippet does what the user asked, and tell the user what it does.",
    "backstory": "Every snippet is checked before it reaches you: it must parse, pass the "
    "sandbox's policy and run on sample rows. You review the result and explain it plainly.",
}


def strategy_task(request: str, profile: str, history: Sequence[ChatTurn]) -> str:
    """The Strategist's instructions: the profile, the conversation and the request."""
    turns = "\n".join(f"{t.role}: {t.text}" for t in history) or "(none)"
    return (
        f"Table profile:\n{profile}\n\nConversation so far:\n{turns}\n\n"
        f"The user now asks: {request}\n\n"
        "Write a numbered technical plan (at most 5 steps) naming the exact columns and the "
        "pandas operations to apply. If the request refers to earlier messages, resolve it."
    )


STRATEGY_OUTPUT = "A numbered plan of at most 5 steps naming columns and pandas operations."


def engineering_task(request: str, profile: str) -> str:
    """The Engineer's instructions; the plan arrives as the Strategist's output."""
    return (
        f"Table profile:\n{profile}\n\nUser request: {request}\n\n"
        "Implement the strategist's plan as a pandas snippet that reads `df` and leaves the "
        "result in `df`. Use only `df`, `pd` and `np`; no imports, no printing, no files."
    )


ENGINEERING_OUTPUT = "Only the snippet, in one ```python fenced block."


def review_task(request: str) -> str:
    """The Tester's instructions; the checked snippet and its dry run arrive as context."""
    return (
        f"User request: {request}\n\n"
        "The snippet below passed the automatic checks on sample rows. Check that it does what "
        "the user asked, then explain the change to the user in one or two plain sentences."
    )


REVIEW_OUTPUT = "One or two plain sentences for the user saying what the change does."
