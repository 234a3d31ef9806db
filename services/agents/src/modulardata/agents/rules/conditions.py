"""Reading row conditions: 'age is over 30 and country is Germany', 'from Berlin', 'no email'."""

from __future__ import annotations

import re

from modulardata.agents.exceptions import AmbiguousColumn, NoMatch, UnknownColumn
from modulardata.agents.rules.base import MISSING, Scope
from modulardata.contracts.operations import Condition, ConditionOp, Operation, Scalar

EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"
"""What a plausible email address looks like."""

_OPS: list[tuple[str, ConditionOp]] = [
    (rf"(?:is|are) (?:not|n't) {MISSING}|(?:is|are)n't {MISSING}|(?:is|are) (?:present|set|filled"
     r"(?: in)?|known|available|not blank)|(?:has|have) (?:a )?values?|exists?", "not_null"),
    (rf"(?:is|are) {MISSING}|(?:has|have) no values?|(?:is|are) not (?:set|filled(?: in)?)"
     r"|does(?: not|n't) exist", "is_null"),
    (r"(?:is |are )?(?:greater than or equal to|more than or equal to|at least|>=|no less than"
     r"|not less than)", "ge"),
    (r"(?:is |are )?(?:less than or equal to|at most|<=|no more than|not more than|up to)", "le"),
    (r"(?:is |are )?(?:greater than|more than|larger than|bigger than|higher than|over|above"
     r"|>|exceeds?|exceeding|older than|later than|after)", "gt"),
    (r"(?:is |are )?(?:less than|smaller than|lower than|fewer than|under|below|<|younger than"
     r"|earlier than|before)", "lt"),
    (r"(?:is |are )?between", "between"),
    (r"(?:does not|doesn't|do not|don't) (?:contain|include|have)|(?:is|are) not containing"
     r"|not containing|without", "not_contains"),
    (r"(?:contains?|includes?|including|containing|mentions?|has|have)", "contains"),
    (r"(?:starts?|begins?|starting|beginning) with", "starts_with"),
    (r"(?:ends?|ending) with", "ends_with"),
    (r"(?:is|are) not (?:one of|in|among)|not in", "not_in"),
    (r"(?:is|are) (?:one of|in|among)|in", "in"),
    (r"(?:is not|isn't|are not|aren't|!=|<>|does not equal|doesn't equal|not equal to"
     r"|(?:is|are) not equal to|(?:is|are) different from|not)", "ne"),
    (r"(?:is equal to|are equal to|equals?|==|=|is|are|of|matches|being|was)", "eq"),
]  # fmt: skip
_OP_ANYWHERE = re.compile(
    r"(?<=\s)(?P<op>" + "|".join(f"(?:{p})" for p, _ in _OPS) + r")(?=\s|$)", re.IGNORECASE
)
_OP_PATTERNS = [(re.compile(rf"^(?:{p})$", re.IGNORECASE), op) for p, op in _OPS]
_AGE_WORDS: dict[str, ConditionOp] = {
    "older than": "gt",
    "younger than": "lt",
    "over": "gt",
    "under": "lt",
}
_PLACE = re.compile(
    r"^(?:(?:who (?:are|live|lives) |that (?:are|live) |living |based |located )?(?:from|in))"
    r"\s+(?P<value>.+)$",
    re.IGNORECASE,
)
_NUMERIC_OPS = {"gt", "ge", "lt", "le", "between"}


def parse_conditions(text: str, scope: Scope) -> tuple[list[Condition], str, list[Operation]]:
    """Conditions, how they combine ('all'/'any') and operations needed first (to numbers).

    'a and b' is read as two conditions when both parts are conditions, else as one whose value
    holds the word ('age between 30 and 40', 'name is Tom and Jerry').
    """
    text = re.sub(r"^(?:the |its |their )", "", text.strip(), flags=re.IGNORECASE)
    parts = re.split(r"\s*,?\s+(?:and|or)\s+", text, flags=re.IGNORECASE)
    if len(parts) > 1:
        try:
            return _several(parts, text, scope)
        except (NoMatch, UnknownColumn):
            unknown = _unknown_column_of_a_condition(parts[1:], scope)
            if unknown is not None:
                raise UnknownColumn(unknown) from None
    condition, prep = _one(text, scope)
    return [condition], "all", prep


def _several(
    parts: list[str], text: str, scope: Scope
) -> tuple[list[Condition], str, list[Operation]]:
    combine = "any" if re.search(r"\s+or\s+", text, re.IGNORECASE) else "all"
    conditions: list[Condition] = []
    prep: list[Operation] = []
    for part in parts:
        if conditions and _bare_op(part):
            part = f"{conditions[-1].column} {part}"
        condition, needed = _one(part, scope)
        conditions.append(condition)
        prep.extend(op for op in needed if op not in prep)
    return conditions, combine, prep


def _unknown_column_of_a_condition(parts: list[str], scope: Scope) -> str | None:
    """The column phrase of a part that reads as a condition of its own ('zone is 3') on a
    column the table lacks: then 'city is Paris and zone is 3' asks, rather than looking for
    the value 'Paris and zone is 3'."""
    for part in parts:
        if _bare_op(part):
            continue
        for phrase, _, value in _candidates(part.strip()):
            if not value.strip() or len(phrase.split()) > 3:
                continue
            try:
                scope.column(phrase)
            except UnknownColumn:
                return phrase
            except AmbiguousColumn:
                continue
            break
    return None


def _bare_op(part: str) -> bool:
    return any(p.match(part.split(" ")[0]) for p, _ in _OP_PATTERNS) or bool(
        re.match(r"^(?:is|are|over|under|above|below|less|more|greater|at)\b", part, re.I)
    )


def _one(text: str, scope: Scope) -> tuple[Condition, list[Operation]]:
    text = text.strip()
    special = _special(text, scope)
    if special is not None:
        return special, []
    for phrase, op_words, value in _candidates(text):
        try:
            column = scope.column(phrase)
        except UnknownColumn:
            continue
        op = next(op for p, op in _OP_PATTERNS if p.match(op_words.strip()))
        try:
            return _build(column, op, value, scope)
        except NoMatch:
            continue
    raise NoMatch(text)


def _candidates(text: str) -> list[tuple[str, str, str]]:
    # Every operator occurrence is a possible split, the earliest first: the column phrase may
    # itself hold an operator word ("is_active is yes").
    spaced = re.sub(r"\s*(>=|<=|!=|<>|==|>|<|=)\s*", r" \1 ", text).strip()
    return [
        (spaced[: m.start()], m.group("op"), spaced[m.end() :])
        for m in _OP_ANYWHERE.finditer(spaced)
        if spaced[: m.start()].strip()
    ]


def _build(
    column: str, op: ConditionOp, raw: str, scope: Scope
) -> tuple[Condition, list[Operation]]:
    info = scope.info(column)
    raw = raw.strip()
    if op in ("is_null", "not_null"):
        if raw:
            raise NoMatch(raw)
        return Condition(column=column, op=op), []
    if not raw:
        raise NoMatch(column)
    prep: list[Operation] = []
    value: Scalar | tuple[Scalar, ...]
    if op == "between":
        bounds = re.split(r"\s+(?:and|to|-)\s+", raw, maxsplit=1)
        if len(bounds) != 2:
            raise NoMatch(raw)
        value = (scope.value(bounds[0]), scope.value(bounds[1]))
    elif op in ("in", "not_in"):
        items = re.split(r"\s*,\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+", raw.strip("()[] "))
        value = tuple(scope.value(i) for i in items if i.strip())
    else:
        value = scope.value(raw)
    numbers = all(
        isinstance(v, int | float) for v in (value if isinstance(value, tuple) else (value,))
    )
    as_number = False
    if op in _NUMERIC_OPS or (numbers and op in ("eq", "ne", "in", "not_in")):
        if not numbers:
            raise NoMatch(raw)
        if info.is_text and scope.symbols(column):
            prep = scope.numeric((column,))
        else:
            as_number = info.is_text
    elif not numbers and op in ("eq", "ne", "in", "not_in") and info.is_text:
        return Condition(column=column, op=op, value=value, ignore_case=True), prep
    if not info.is_text and op in ("contains", "not_contains", "starts_with", "ends_with"):
        raise NoMatch(raw)
    if isinstance(value, int | float) and op in ("contains", "not_contains"):
        value = str(scope.request.unquote(raw))
    return Condition(column=column, op=op, value=value, as_number=as_number), prep


def _special(text: str, scope: Scope) -> Condition | None:
    lowered = text.lower()
    for words, op in _AGE_WORDS.items():
        if lowered.startswith(words + " "):
            number = scope.value(text[len(words) :])
            if isinstance(number, int | float) and _has_age(scope):
                age = scope.column("age")
                return Condition(column=age, op=op, value=number, as_number=scope.info(age).is_text)
    validity = re.match(r"^(?:an? )?(in|not |)valid (.+)$", lowered)
    if validity and "mail" in validity.group(2):
        column = scope.column(validity.group(2))
        test: ConditionOp = "matches" if not validity.group(1) else "not_matches"
        return Condition(column=column, op=test, value=EMAIL_PATTERN)
    presence = re.match(
        r"^(with|without|having|that have|lacking|with no|no) (?:an? |any )?(.+)$", lowered
    )
    if presence:
        try:
            column = scope.column(presence.group(2))
        except UnknownColumn:
            return None
        absent = presence.group(1) in ("without", "lacking", "with no", "no")
        return Condition(column=column, op="is_null" if absent else "not_null")
    place = _PLACE.match(text)
    if place:
        return _by_value(scope.value(place.group("value")), scope)
    return None


def _has_age(scope: Scope) -> bool:
    try:
        scope.column("age")
    except UnknownColumn:
        return False
    return True


def _by_value(value: Scalar, scope: Scope) -> Condition:
    """'from Germany': the text column whose samples hold the value."""
    wanted = str(value).strip().lower()
    holders = [
        c.name
        for c in scope.matcher.columns
        if c.is_text and any(s.strip().lower() == wanted for s in c.samples)
    ]
    if len(holders) != 1:
        raise NoMatch(str(value))
    return Condition(column=holders[0], op="eq", value=str(value), ignore_case=True)
