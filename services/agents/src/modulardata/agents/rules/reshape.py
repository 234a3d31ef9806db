"""Rules about the table's shape: column names, dropping, keeping, moving, splitting, deriving."""

from __future__ import annotations

import re

from modulardata.agents.exceptions import NoMatch, Unclear, UnknownColumn
from modulardata.agents.rules.base import DROP, MISSING, Rule, Scope, rule
from modulardata.agents.rules.matching import words
from modulardata.agents.rules.text import parse_number
from modulardata.contracts.operations import (
    AddConstantColumn,
    ConcatColumns,
    DeriveColumn,
    DropColumns,
    DropEmptyColumns,
    DropSparseColumns,
    ExtractDatePart,
    ExtractPattern,
    MoveColumn,
    Operation,
    RenameColumn,
    RenameColumnsStyle,
    SelectColumns,
    SplitColumn,
)

RULES: list[Rule] = []

_HEADERS = (
    r"(?:column names?|column headers?|headers?|columns? names|header names|headings|columns)"
)


@rule(
    RULES,
    r"^(?:make|convert|change|rename|format|standardi[sz]e|normali[sz]e|clean(?: up)?|fix|tidy(?:"
    r" up)?"
    rf"|sanitize|put|turn)\s+(?:all\s+)?(?:of\s+)?(?:the\s+)?{_HEADERS}(?:\s+(?:(?:to|into|in|as"
    r"|be)\s+)?"
    r"(?P<style>[\w ]+?))?$",
    r"^(?P<style>snake[ _]?case|lower ?case|upper ?case|title ?case|lowercase"
    r"|uppercase)\s+(?:all\s+)?"
    rf"(?:the\s+)?{_HEADERS}$",
)
def header_style(match: re.Match[str], scope: Scope) -> list[Operation]:
    style = (match.groupdict().get("style") or "snake").lower().replace(" ", "").replace("_", "")
    for word, name in (
        ("snake", "snake"),
        ("lower", "lower"),
        ("upper", "upper"),
        ("title", "title"),
    ):
        if style.startswith(word) or (
            word == "snake" and style in ("pythonic", "consistent", "clean")
        ):
            return [RenameColumnsStyle(style=name)]
    raise NoMatch(style)


@rule(
    RULES,
    rf"^{DROP}\s+(?:the |any |all )?columns?\s+(?:with|that have|having|where|which have|that"
    r" are)\s+"
    r"(?:more than|over|above|at least|>)\s*(?P<pct>[\d.]+)\s*(?:%|percent|per cent)\s+"
    rf"(?:of (?:the |their )?values (?:are |)|)(?:{MISSING}|nulls)(?: values| cells)?$",
    rf"^{DROP}\s+(?:the |any |all )?(?:mostly (?:empty|missing|null|blank)|sparse|half[- ]empty)"
    r"\s+columns?$",
)
def sparse_columns(match: re.Match[str], scope: Scope) -> list[Operation]:
    pct = parse_number(match.groupdict().get("pct") or "50")
    if pct is None or not 0 <= pct <= 100:
        raise NoMatch(str(pct))
    return [DropSparseColumns(max_missing=pct / 100)]


@rule(
    RULES,
    rf"^{DROP}\s+(?:the |any |all )?(?:completely |entirely |fully |totally )?(?:empty|blank)\s+"
    r"columns?$",
    rf"^{DROP}\s+(?:the |any |all )?columns?\s+(?:that are|which are|with|where)\s+(?:completely "
    r"|entirely |all |fully |only )?(?:empty|blank|missing|null|nulls|no values)$",
)
def empty_columns(match: re.Match[str], scope: Scope) -> list[Operation]:
    return [DropEmptyColumns()]


def _new_name(raw: str, scope: Scope) -> str:
    """A new column's name as the user wrote it, in snake_case when most columns are."""
    name = scope.request.unquote(raw).strip().strip("'\"")
    name = re.sub(
        r"^(?:a |an |the )?(?:new )?(?:column |field )?(?:called |named )?", "", name, flags=re.I
    )
    if scope.request.is_quoted(raw.strip()):
        return str(scope.value(raw))
    snake = [bool(re.fullmatch(r"[a-z0-9_]+", c.name)) for c in scope.matcher.columns]
    if snake and sum(snake) * 2 > len(snake):
        return "_".join(re.split(r"[^0-9A-Za-z]+", name.lower())).strip("_")
    return name


@rule(
    RULES,
    r"^(?:rename|relabel|retitle)\s+(?:the\s+)?(?:column\s+|field\s+)?(?P<col>.+?)(?:\s+column)?\s+"
    r"(?:to|as|into|->|=>)\s+(?P<new>.+)$",
    r"^(?:change|set|update)\s+(?:the\s+)?(?:column\s+)?name\s+(?:of\s+)?(?:the\s+)?(?:column\s+)?"
    r"(?P<col>.+?)\s+(?:column\s+)?to\s+(?P<new>.+)$",
    r"^(?:change|set|update)\s+(?:the\s+)?(?P<col>.+?)(?:\s+column)?(?:'s)?\s+(?:header|column name"
    r"|name)\s+to\s+(?P<new>.+)$",
    r"^(?:call|name)\s+(?:the\s+)?(?P<col>.+?)\s+column\s+(?P<new>.+)$",
)
def rename(match: re.Match[str], scope: Scope) -> list[Operation]:
    column = scope.column(match.group("col"))
    new = _new_name(match.group("new"), scope)
    if not new or new == column:
        raise NoMatch(match.group("new"))
    return [RenameColumn(column=column, new_name=new)]


@rule(
    RULES,
    r"^(?:move|put|place|shift)\s+(?:the\s+)?(?P<col>.+?)(?:\s+column)?\s+(?:to|at"
    r"|in)\s+(?:the\s+)?"
    r"(?P<pos>front|start|beginning|first|left|end|back|last|right)(?:\s+(?:position|place|column"
    r"|of the table))?$",
    r"^(?:make)\s+(?:the\s+)?(?P<col>.+?)(?:\s+column)?\s+(?:the\s+)?(?P<pos>first|last)"
    r"(?:\s+column)?$",
)
def move(match: re.Match[str], scope: Scope) -> list[Operation]:
    column = scope.column(match.group("col"))
    last = match.group("pos").lower() in ("end", "back", "last", "right")
    return [MoveColumn(column=column, position="last" if last else "first")]


_SEPARATORS = {
    "space": " ", "spaces": " ", "whitespace": None, "comma": ",", "commas": ",",
    "semicolon": ";", "dash": "-", "hyphen": "-", "slash": "/", "pipe": "|", "at": "@",
    "at sign": "@", "@": "@", "underscore": "_", "dot": ".", "period": ".", "colon": ":",
    "comma and space": ", ", "comma space": ", ",
}  # fmt: skip


def _separator(raw: str | None, scope: Scope) -> str | None:
    if raw is None:
        return None
    raw = re.sub(r"^(?:an? |the )", "", raw.strip(), flags=re.I)
    if scope.request.is_quoted(raw):
        return str(scope.value(raw))
    key = re.sub(r"\s*(?:sign|character|symbol)s?$", "", raw.lower())
    if key in _SEPARATORS:
        return _SEPARATORS[key]
    if raw and all(not c.isalnum() for c in raw):
        return raw
    raise NoMatch(raw)


def _names_list(raw: str, scope: Scope) -> tuple[str, ...]:
    raw = re.sub(
        r"^(?:(?:two|three|2|3) )?(?:new )?(?:columns?\s+)?(?:called |named )?",
        "",
        raw.strip(),
        flags=re.I,
    )
    shared = re.fullmatch(r"(.+?) and (.+?) (\w+)", raw)  # "first and last name"
    if shared and " " not in shared.group(1) and " " not in shared.group(2):
        parts = [f"{shared.group(1)} {shared.group(3)}", f"{shared.group(2)} {shared.group(3)}"]
    else:
        parts = re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*", raw)
    return tuple(_new_name(p, scope) for p in parts if p.strip())


@rule(
    RULES,
    r"^(?:split|separate|break(?: up)?|divide)\s+(?:the\s+)?(?P<col>.+?)(?:\s+column)?"
    r"(?:\s+(?:on|by|at|using)\s+(?:the\s+|an?\s+)?(?P<sep>.+?))?\s+(?:into|in|to)\s+(?P<into>.+?)"
    r"(?:\s+(?:on|by|at|using)\s+(?:the\s+|an?\s+)?(?P<sep2>.+?))?$",
)
def split(match: re.Match[str], scope: Scope) -> list[Operation]:
    column = scope.column(match.group("col"))
    into = _names_list(match.group("into"), scope)
    if len(into) < 2:
        raise NoMatch(match.group("into"))
    separator = _separator(match.group("sep") or match.group("sep2"), scope)
    return [SplitColumn(column=column, into=into, separator=separator)]


@rule(
    RULES,
    r"^(?:combine|merge|join|concatenate|concat|put together|glue)\s+(?P<cols>.+?)\s+(?:into|as|in"
    r"|to"
    r" make|to form|to create|to get)\s+(?:a\s+)?(?:new\s+)?(?:column\s+)?(?:called\s+|named\s+)?"
    r"(?P<into>.+?)(?:\s*,?\s+(?:with|using|separated by|by|joined by)\s+(?:a\s+|an\s+)?"
    r"(?P<sep>.+?)(?:\s+(?:between|in between)(?: them)?)?)?$",
)
def concat(match: re.Match[str], scope: Scope) -> list[Operation]:
    columns = scope.named_columns(match.group("cols"), at_least=2)
    separator = _separator(match.group("sep"), scope) if match.group("sep") else " "
    into = _new_name(match.group("into"), scope)
    return [ConcatColumns(columns=columns, into=into, separator=separator or " ")]


_PARTS = r"(?P<part>year|month|day|weekday|day of (?:the )?week|quarter)s?"


@rule(
    RULES,
    rf"^(?:extract|get|pull|take|add|create|make)\s+(?:out\s+)?(?:the\s+|a\s+)?{_PARTS}\s+"
    r"(?:column\s+)?(?:from|of|out of|for)\s+(?:the\s+)?(?P<col>.+?)(?:\s+(?:into|as|in|to|called"
    r"|named)\s+(?:a\s+)?(?:new\s+)?(?:column\s+)?(?:called\s+|named\s+)?(?P<into>.+?))?$",
    rf"^(?:add|create|make)\s+(?:a\s+)?(?:new\s+)?(?:column\s+)?(?:with|holding|for)\s+(?:the\s+)?"
    rf"(?P<col>.+?)\s+{_PARTS}$",
)
def date_part(match: re.Match[str], scope: Scope) -> list[Operation]:
    column = scope.column(match.group("col"))
    part = "weekday" if "week" in match.group("part").lower() else match.group("part").lower()
    into = _new_name(match.groupdict().get("into") or "", scope) or _derived(column, part, scope)
    return [ExtractDatePart(column=column, part=part, into=into)]


def _derived(column: str, suffix: str, scope: Scope) -> str:
    stem = re.sub(r"[_ ]?(?:date|time|datetime|at|on)$", "", column, flags=re.I) or column
    return _new_name(f"{stem} {suffix}", scope)


@rule(
    RULES,
    r"^(?:extract|get|pull|take|add|create|make)\s+(?:out\s+)?(?:the\s+|a\s+)?(?:email\s+)?"
    r"(?P<what>domains?|usernames?|user names?)\s+(?:column\s+)?(?:from|of|out of"
    r"|for)\s+(?:the\s+)?"
    r"(?P<col>.+?)(?:\s+(?:into|as|in|to|called|named)\s+(?:a\s+)?(?:new\s+)?(?:column\s+)?"
    r"(?:called\s+|named\s+)?(?P<into>.+?))?$",
)
def email_part(match: re.Match[str], scope: Scope) -> list[Operation]:
    column = scope.column(match.group("col"))
    domain = match.group("what").lower().startswith("domain")
    pattern = r"@([^@\s]+)$" if domain else r"^([^@\s]+)@"
    into = _new_name(match.group("into") or "", scope) or _new_name(
        f"{column} {'domain' if domain else 'user'}", scope
    )
    return [ExtractPattern(column=column, pattern=pattern, into=into)]


_OPERATORS = [
    (r"\s+(?:plus|added to)\s+", " + "),
    (r"\s+(?:minus|less)\s+", " - "),
    (r"\s+(?:times|multiplied by|x|×)\s+", " * "),
    (r"\s+(?:divided by|over|per)\s+", " / "),
]


def _expression(raw: str, scope: Scope) -> str:
    """'lifetime value divided by 1000' -> '`lifetime_value` / 1000'."""
    text = f" {raw.strip()} "
    for pattern, symbol in _OPERATORS:
        text = re.sub(pattern, symbol, text, flags=re.I)
    parts: list[str] = []
    for token in re.split(r"\s*([-+*/()])\s*", text.strip()):
        if token in ("+", "-", "*", "/"):
            parts.append(f" {token} ")
        elif token in ("(", ")"):
            parts.append(token)
        elif token.strip():
            number = parse_number(token)
            parts.append(str(number) if number is not None else f"`{scope.column(token)}`")
    expression = "".join(parts).strip()
    if "`" not in expression:
        raise NoMatch(raw)
    return expression


@rule(
    RULES,
    r"^(?:add|create|make|insert)\s+(?:a\s+)?(?:new\s+)?column\s+(?:called\s+"
    r"|named\s+)?(?P<new>.+?)\s+"
    r"(?:with|set to|=|filled with|containing|holding|that says|equal to)\s+(?:the\s+)?(?:value\s+"
    r"|text\s+)?"
    r"(?P<value>.+)$",
    r"^set\s+(?:every\s+|all\s+)?(?P<new>.+?)\s+to\s+(?P<value>.+?)\s+(?:for|in)\s+(?:every|all"
    r"|each)"
    r"\s+rows?$",
)
def constant(match: re.Match[str], scope: Scope) -> list[Operation]:
    raw = match.group("value")
    if not scope.request.is_quoted(raw) and parse_number(raw) is None:
        raise NoMatch(raw)
    return [AddConstantColumn(column=_new_name(match.group("new"), scope), value=scope.value(raw))]


@rule(
    RULES,
    r"^(?:add|create|make|compute|calculate|derive|insert)\s+(?:a\s+)?(?:new\s+)?(?:column\s+)?"
    r"(?:called\s+|named\s+)?(?P<new>.+?)\s+(?:as|=|equal to|equals|which is|that is|from|with"
    r"|being)"
    r"\s+(?:the\s+)?(?P<expr>.+)$",
    r"^(?:set|make)\s+(?P<new>.+?)\s+(?:=|equal to|to)\s+(?P<expr>.+)$",
)
def derive(match: re.Match[str], scope: Scope) -> list[Operation]:
    expression = _expression(match.group("expr"), scope)
    try:
        column = scope.column(match.group("new"))
    except UnknownColumn:
        column = _new_name(match.group("new"), scope)
    used = tuple(dict.fromkeys(re.findall(r"`([^`]+)`", expression)))
    return [*scope.numeric(used), DeriveColumn(column=column, expression=expression)]


@rule(
    RULES,
    r"^(?:keep|select|retain|only keep|keep only|just keep|show|use)\s+(?:only\s+)?(?:the\s+)?"
    r"(?:columns?\s+)?(?P<cols>.+?)(?:\s+columns?)?(?:\s+only)?$",
    rf"^{DROP}\s+(?:all |every )?(?:the )?(?:other |remaining )?columns?\s+(?:except|but|other than"
    r"|apart from|besides)\s+(?:for\s+)?(?:the\s+)?(?P<cols>.+?)$",
)
def select(match: re.Match[str], scope: Scope) -> list[Operation]:
    columns = scope.named_columns(match.group("cols"))
    return [SelectColumns(columns=columns)]


@rule(
    RULES,
    rf"^{DROP}\s+(?:the\s+)?(?:columns?\s+|fields?\s+)?(?P<cols>.+?)(?:\s+(?:columns?|fields?))?"
    r"(?:\s+from\s+the\s+(?:table|data|dataset))?$",
)
def drop_columns(match: re.Match[str], scope: Scope) -> list[Operation]:
    columns = scope.named_columns(match.group("cols"))
    return [DropColumns(columns=columns)]


@rule(
    RULES,
    r"^(?:clean up|clean|fix|tidy(?: up)?|sort out|improve|sanitize|normali[sz]e|standardi[sz]e"
    r"|handle|deal with|process)\s+(?:the\s+)?(?P<col>.+?)(?:\s+(?:column|values|data|field))?$",
)
def vague(match: re.Match[str], scope: Scope) -> list[Operation]:
    column = scope.column(match.group("col"))
    info = scope.info(column)
    ideas = ["trim spaces", "change case", "replace values", "drop or fill missing values"]
    if info.is_text and scope.symbols(column):
        ideas.insert(0, "convert it to numbers (removing symbols)")
    if any(w in words(column) for w in ("date", "time", "day")):
        ideas.insert(0, "convert it to dates")
    raise Unclear(
        f"What should I do with '{column}'? For example: {', '.join(ideas)}. "
        f"Tell me which, e.g. 'trim spaces in {column}'."
    )
