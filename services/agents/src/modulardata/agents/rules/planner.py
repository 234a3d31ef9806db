"""The rule planner: a message and the recent conversation to a plan, a head move or a question."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from modulardata.agents.columns import ColumnInfo
from modulardata.agents.exceptions import (
    AmbiguousColumn,
    NoMatch,
    RuleError,
    Unclear,
    UnknownColumn,
)
from modulardata.agents.outcomes import Clarification, Outcome, Planned
from modulardata.agents.rules import conversation, reshape, rows, values
from modulardata.agents.rules.base import Rule, Scope
from modulardata.agents.rules.matching import ColumnMatcher
from modulardata.agents.rules.text import (
    Request,
    has_placeholder,
    quotes_restored,
    split_message,
)
from modulardata.contracts.commands import ChatTurn
from modulardata.contracts.operations import (
    ConcatColumns,
    DeriveColumn,
    DropColumns,
    ExtractDatePart,
    ExtractPattern,
    Operation,
    Plan,
    RenameColumn,
    SelectColumns,
    SplitColumn,
)

RULES: tuple[Rule, ...] = (
    *reshape.RULES[:3],  # column-name style, sparse and empty columns: before row rules
    *rows.RULES,
    *values.RULES,
    *reshape.RULES[3:],
)
"""Every rule, the first match wins: specific phrasings before general ones."""

CAPABILITIES = (
    "I can drop or fill missing values, remove duplicates or outliers, filter, sort or limit "
    "rows, trim spaces, change case, replace values, convert text to numbers, dates or "
    "true/false, round or cap numbers, split, combine, rename, move or drop columns, and undo "
    "or redo. For example: 'drop rows where age is missing' or 'convert lifetime value to "
    "numbers'."
)

_PAIRED_VERBS = re.compile(
    r"^(?P<a>trim|strip|lower ?case|upper ?case|title ?case|capitali[sz]e|dedupe)(?:,| and| &)"
    r"(?: then)? (?P<b>trim|strip|lower ?case|upper ?case|title ?case"
    r"|capitali[sz]e)\s+(?P<rest>.+)$",
    re.IGNORECASE,
)


class RulePlanner:
    """Deterministic planning from phrasings; it never guesses between readings."""

    def plan(
        self, text: str, columns: Sequence[ColumnInfo], history: Sequence[ChatTurn] = ()
    ) -> Outcome:
        """Answer one chat message, given the table's columns and the conversation before it.

        "The same" and "instead" refer to the latest plan among the assistant's turns.
        """
        previous = next((t.plan for t in reversed(history) if t.plan is not None), None)
        matcher = ColumnMatcher(columns)
        message = _answered_question(text, history, matcher) or text
        return _without_placeholders(self._answer(message, matcher, previous), message)

    def _answer(self, text: str, matcher: ColumnMatcher, previous: Plan | None) -> Outcome:
        move = conversation.head_move(text)
        if move is not None:
            return move
        residue = conversation.instead(text)
        if residue is not None:
            return self._instead(residue, matcher, previous)
        cols = conversation.same_for(text)
        if cols is not None and previous is not None:
            scope = Scope(Request(cols, ()), matcher)
            try:
                plan = conversation.retarget(previous, cols, scope)
            except RuleError as exc:
                return _clarify(exc, matcher)
            return Planned(plan, plan.describe(), "rules")
        return self._message(text, matcher)

    def _instead(self, residue: str, matcher: ColumnMatcher, previous: Plan | None) -> Outcome:
        outcome = self._message(residue, matcher)
        if isinstance(outcome, Planned):
            return replace(outcome, undo_first=True, explanation=_instead_of(outcome.explanation))
        if previous is None:
            return outcome
        request = split_message(residue)
        scope = Scope(request[0] if request else Request(residue, ()), matcher)
        try:
            plan = conversation.amend(previous, scope.request.text, scope)
        except RuleError:
            return outcome
        return Planned(plan, _instead_of(plan.describe()), "rules", undo_first=True)

    def _message(self, text: str, matcher: ColumnMatcher) -> Outcome:
        operations: list[Operation] = []
        for request in _expand(split_message(text)):
            try:
                found = _plan_clause(Scope(request, matcher))
            except RuleError as exc:
                return _clarify(exc, matcher)
            operations.extend(found)
            matcher = ColumnMatcher(_columns_after(matcher.columns, found))
        if not operations:
            return Clarification(CAPABILITIES, "not_understood")
        plan = Plan(operations=tuple(operations))
        return Planned(plan, plan.describe(), "rules")


def _plan_clause(scope: Scope) -> list[Operation]:
    """The operations of the first rule that fully understands the clause."""
    first_problem: RuleError | None = None
    for candidate in RULES:
        match = candidate.pattern.fullmatch(scope.request.text)
        if match is None:
            continue
        try:
            return candidate.build(match, scope)
        except (NoMatch, UnknownColumn) as exc:
            # A quoted name the table lacks says more than a phrasing a rule did not take.
            quoted_unknown = isinstance(exc, UnknownColumn) and scope.request.is_quoted(exc.phrase)
            if first_problem is None or (
                quoted_unknown and not isinstance(first_problem, UnknownColumn)
            ):
                first_problem = exc
        except (AmbiguousColumn, Unclear):
            raise
        except ValueError as exc:  # an operation refused its arguments (pydantic validation)
            first_problem = first_problem or NoMatch(str(exc))
    raise first_problem or NoMatch(scope.request.text)


def _expand(requests: list[Request]) -> list[Request]:
    """'trim and lowercase email' -> 'trim email', 'lowercase email'."""
    expanded: list[Request] = []
    for request in requests:
        paired = _PAIRED_VERBS.match(request.text)
        if paired:
            for verb in (paired.group("a"), paired.group("b")):
                expanded.append(Request(f"{verb} {paired.group('rest')}", request.quoted))
        else:
            expanded.append(request)
    return expanded


def _columns_after(columns: Sequence[ColumnInfo], operations: list[Operation]) -> list[ColumnInfo]:
    """The columns once the operations ran, so a later clause can name a new or renamed one."""
    current = list(columns)
    for op in operations:
        names = [c.name for c in current]
        if isinstance(op, RenameColumn):
            current = [ColumnInfo(op.new_name, c.dtype, c.samples) if c.name == op.column else c
                       for c in current]  # fmt: skip
        elif isinstance(op, DropColumns):
            current = [c for c in current if c.name not in op.columns]
        elif isinstance(op, SelectColumns):
            current = [c for c in current if c.name in op.columns]
        added: tuple[str, ...] = ()
        if isinstance(op, SplitColumn):
            added = op.into
        elif isinstance(op, ConcatColumns | ExtractPattern | ExtractDatePart):
            added = (op.into,)
        elif isinstance(op, DeriveColumn):
            added = (op.column,)
        current += [ColumnInfo(name, "str") for name in added if name not in names]
    return current


_WHICH_COLUMN = re.compile(r"^Which column do you mean by '(?P<phrase>.+)': (?P<options>.+)\?$")
"""The question `_clarify` asks when a phrase fits several columns."""
_ANSWER_DECORATION = re.compile(
    r"^(?:(?:i )?mean(?:t)?|(?:i )?want|use|go with|take|it'?s|the)\s+|\s+(?:one|please)$",
    re.IGNORECASE,
)


def _answered_question(
    text: str, history: Sequence[ChatTurn], matcher: ColumnMatcher
) -> str | None:
    """When the message answers the last question "which column do you mean by X", the message
    that was asked about, with X replaced by the column chosen; None otherwise."""
    if len(history) < 2 or (history[-1].role, history[-2].role) != ("assistant", "user"):
        return None
    asked = _WHICH_COLUMN.match(history[-1].text)
    if asked is None:
        return None
    options = re.findall(r"'((?:[^']|'(?! or |$))+)'", asked.group("options"))
    choices = ColumnMatcher([c for c in matcher.columns if c.name in options])
    try:
        chosen = choices.resolve(_ANSWER_DECORATION.sub("", text.strip().strip(".!'\"")))
    except RuleError:
        return None
    phrase = re.compile(rf"\b{re.escape(asked.group('phrase'))}\b", re.IGNORECASE)
    earlier = history[-2].text
    return phrase.sub(lambda _: chosen, earlier, count=1) if phrase.search(earlier) else None


def _clarify(problem: RuleError, matcher: ColumnMatcher) -> Clarification:
    if isinstance(problem, AmbiguousColumn):
        options = " or ".join(f"'{c}'" for c in problem.candidates)
        return Clarification(
            f"Which column do you mean by '{problem.phrase}': {options}?", "ambiguous"
        )
    if isinstance(problem, Unclear):
        return Clarification(problem.question, "ambiguous")
    if isinstance(problem, UnknownColumn):
        names = ", ".join(f"'{c.name}'" for c in matcher.columns)
        return Clarification(
            f"I couldn't find a column called '{problem.phrase}'. The columns are: {names}.",
            "not_understood",
        )
    return Clarification(CAPABILITIES, "not_understood")


def _without_placeholders(outcome: Outcome, message: str) -> Outcome:
    """The last guard on what leaves the planner: a question quoting a phrase gets the user's
    quoted text back. (An operation never holds a placeholder: the contracts refuse NUL.)"""
    if isinstance(outcome, Clarification) and has_placeholder(outcome.question):
        return replace(outcome, question=quotes_restored(message, outcome.question))
    return outcome


def _instead_of(explanation: str) -> str:
    return f"Instead of the last change: {explanation[0].lower()}{explanation[1:]}"
