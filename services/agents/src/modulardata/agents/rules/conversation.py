"""Conversation references: undo/redo, "do the same for city", "... instead"."""

from __future__ import annotations

import re

from modulardata.agents.exceptions import AmbiguousColumn, NoMatch, UnknownColumn
from modulardata.agents.outcomes import HeadMove
from modulardata.agents.rules.base import Scope
from modulardata.agents.rules.rows import fill_spec
from modulardata.agents.rules.text import parse_number
from modulardata.contracts.operations import (
    ChangeCase,
    FillNulls,
    Operation,
    Plan,
    SortRows,
    ToNumeric,
)

_LEAD = r"^(?:(?:oh|oops|no|nope|wait|hmm+|ugh|sorry|ok(?:ay)?|actually|please|hey)\b[,!.]?\s*)*"
_STEPS = r"(?: the)?(?: last)? (?P<n>\w+) (?:changes|steps|edits|operations|transformations|times)"
_UNDO = re.compile(
    _LEAD + r"(?:undo|revert|reverse|roll ?back|go back|take (?:that|it|this) back|cancel|scrap"
    r"|never ?mind|forget)(?:" + _STEPS + r"|(?: that| this| it| the last one| that change"
    r"| the last (?:change|step|edit|transformation|action|operation)| last (?:change|step|edit)"
    r"| my last (?:change|step|edit)| the previous (?:change|step)| what you (?:just )?did"
    r"| the change| one step| a step))?(?: please)?[.!]*$",
    re.IGNORECASE,
)
_REDO = re.compile(
    _LEAD + r"(?:redo|re-do|put (?:it|that) back|bring (?:it|that) back|re-?apply"
    r"|restore|undo (?:the|my|that) undo)(?:"
    + _STEPS
    + r"| that| it| this| the last (?:change|step"
    r"|one)| the change)?(?: please)?[.!]*$",
    re.IGNORECASE,
)
_SAME = re.compile(
    _LEAD
    + r"(?:and |now |also |then )?(?:(?:do|apply|repeat|make)(?: exactly)? (?:the )?same(?: thing"
    r"| change| step)?|(?:the )?same(?: thing| change)?|(?:do|apply|repeat)(?: that| it| this)(?:"
    r" again)?"
    r"|likewise|ditto)\s+(?:for|to|on|with|in)\s+(?:the\s+)?(?P<cols>.+?)(?: too| as well| also)?"
    r"(?: please)?[.!]*$",
    re.IGNORECASE,
)
_TOO = re.compile(
    _LEAD
    + r"(?:and |now |also )?(?:for |on )?(?:the\s+)?(?P<cols>.+?)\s+(?:too|as well|also)[.!]*$",
    re.IGNORECASE,
)
_INSTEAD = re.compile(r"(?:,?\s*\binstead\b(?: of that| of this)?[.!]*)", re.IGNORECASE)
_AMEND_LEAD = re.compile(
    r"^(?:(?:no|nope|actually|sorry|oops|wait|hmm+)\b[,!.]?\s*)*(?:please\s+)?(?:do it |do that "
    r"|apply it |use |try |make it |with |fill (?:it |them )?with |for |on |do |go with |sort )*"
    r"(?:the\s+)?",
    re.IGNORECASE,
)


def head_move(text: str) -> HeadMove | None:
    """Undo or redo, with the number of steps, when that is all the message asks."""
    for pattern, direction in ((_UNDO, "undo"), (_REDO, "redo")):
        match = pattern.match(text.strip())
        if match:
            raw = match.group("n")
            steps = parse_number(raw) if raw else 1
            if not isinstance(steps, int) or steps < 1:
                return None
            return HeadMove(direction=direction, steps=steps)  # type: ignore[arg-type]
    return None


def same_for(text: str) -> str | None:
    """The columns phrase of "do the same for city" / "country too", if that is the message."""
    match = _SAME.match(text.strip()) or _TOO.match(text.strip())
    return match.group("cols") if match else None


def instead(text: str) -> str | None:
    """What the message asks for instead of the last change, if it says "instead"."""
    if not _INSTEAD.search(text):
        return None
    return _INSTEAD.sub("", text).strip(" ,.!")


def retarget(previous: Plan, phrase: str, scope: Scope) -> Plan:
    """The previous plan applied to the columns the phrase names."""
    targets = scope.columns(phrase)
    sources = previous.referenced_columns()
    if not targets or not sources:
        raise NoMatch(phrase)
    if len(sources) == len(targets):
        moved = previous.retarget(dict(zip(sources, targets, strict=True)))
    elif len(sources) == 1:
        moved = Plan(
            operations=tuple(
                op for t in targets for op in previous.retarget({sources[0]: t}).operations
            )
        )
    else:
        raise NoMatch(phrase)
    return Plan(operations=tuple(_fit(op, scope) for op in moved.operations))


def _fit(operation: Operation, scope: Scope) -> Operation:
    # The symbols to strip before reading numbers belong to the new column, not the old one.
    if isinstance(operation, ToNumeric) and len(operation.columns) == 1:
        return operation.model_copy(
            update={"strip_characters": scope.symbols(operation.columns[0])}
        )
    return operation


def amend(previous: Plan, residue: str, scope: Scope) -> Plan:
    """The previous plan with one detail changed: another column, fill, case or direction."""
    detail = _AMEND_LEAD.sub("", residue).strip()
    last = previous.operations[-1]
    if isinstance(last, FillNulls):
        try:
            strategy, value = fill_spec(detail, scope)
        except NoMatch:
            strategy, value = None, None
        if strategy is not None and not _is_column(detail, scope):
            return _with_last(previous, {"strategy": strategy, "value": value})
    if isinstance(last, ChangeCase):
        case = re.sub(r"\s*case$", "", detail.lower()).replace(" ", "")
        case = {"proper": "title", "caps": "upper", "capitals": "upper"}.get(case, case)
        if case in ("lower", "upper", "title", "capitalize"):
            return _with_last(previous, {"case": case})
    if isinstance(last, SortRows) and re.fullmatch(r"desc(?:ending)?|asc(?:ending)?", detail, re.I):
        return _with_last(previous, {"descending": detail.lower().startswith("desc")})
    return retarget(previous, detail, scope)


def _with_last(plan: Plan, update: dict[str, object]) -> Plan:
    return Plan(operations=(*plan.operations[:-1], plan.operations[-1].model_copy(update=update)))


def _is_column(phrase: str, scope: Scope) -> bool:
    try:
        scope.column(phrase)
    except (UnknownColumn, AmbiguousColumn):
        return False
    return True
