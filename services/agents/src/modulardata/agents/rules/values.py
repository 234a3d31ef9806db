"""Rules about cell values: whitespace, case, replacements, types, rounding and bounds."""

from __future__ import annotations

import re

from modulardata.agents.exceptions import AmbiguousColumn, NoMatch, UnknownColumn
from modulardata.agents.rules.base import Rule, Scope, rule
from modulardata.agents.rules.text import parse_number
from modulardata.contracts.operations import (
    CastType,
    ChangeCase,
    ClipValues,
    FormatDatetime,
    Operation,
    Replacement,
    ReplaceText,
    ReplaceValues,
    RoundNumbers,
    Scalar,
    ToBoolean,
    ToDatetime,
    TrimWhitespace,
)

RULES: list[Rule] = []

_NOTHING = r"(?:missing|null|nan|na|none|empty|blank|nothing)(?: values?)?"
_IN = r"(?:from|in|on|of|around|for|within|across|inside)"
_SPACES = r"(?:white ?spaces?|spaces|blanks|padding)"


@rule(
    RULES,
    r"^(?:trim|strip)(?: (?:off )?(?:the )?(?P<how>leading and trailing |trailing and leading "
    r"|leading "
    rf"|trailing |extra |surrounding |excess |stray |double |multiple )?{_SPACES})?(?: {_IN})?"
    r"(?: (?:the )?(?P<cols>.+?))?$",
    rf"^(?:remove|delete|get rid of|clean(?: up)?|drop|fix|cut|strip out|take out|tidy(?: up)?)"
    rf"(?: the| all| any)? (?P<how>leading and trailing |trailing and leading |leading |trailing "
    rf"|extra |surrounding |excess |stray |unnecessary |double |multiple |useless )?{_SPACES}"
    rf"(?: {_IN} (?:the )?(?P<cols>.+?))?$",
    r"^(?:trim|strip)\s+(?P<cols>.+?)(?:'s)? (?:values|text|strings|names)$",
)
def trim(match: re.Match[str], scope: Scope) -> list[Operation]:
    how = (match.groupdict().get("how") or "").strip().lower()
    return [
        TrimWhitespace(
            columns=scope.columns(match.groupdict().get("cols") or ""),
            collapse_inner=how
            in ("extra", "excess", "double", "multiple", "unnecessary", "useless"),
        )
    ]


_CASES = {
    "capitali": "title",
    "lower": "lower",
    "small": "lower",
    "upper": "upper",
    "caps": "upper",
    "capital": "upper",
    "title": "title",
    "proper": "title",
    "name": "title",
}
_CASE_WORDS = (
    r"(?:lower ?case(?:d)?|upper ?case(?:d)?|title ?case(?:d)?|proper ?case|name case|all caps"
    r"|caps|capitals|capital letters|small letters|capitali[sz]ed|lower|upper|title)"
)


@rule(
    RULES,
    r"^(?:make|convert|change|turn|set|put|transform|format|write|normali[sz]e|standardi[sz]e)\s+"
    rf"(?:all |the )?(?P<cols>.+?)\s+(?:to |into |in |as |be |)(?:all )?(?P<case>{_CASE_WORDS})"
    r"(?: letters| text| format)?$",
    r"^(?P<case>lower ?case|upper ?case|lowercase|uppercase|title ?case|titlecase|capitali[sz]e"
    r"|proper ?case|upcase|downcase|lower|upper)\s+(?:all |the |every )?(?P<cols>.+?)$",
    r"^(?P<case>capitali[sz]e) (?:the )?first letters? (?:of|in) (?:the |each |every"
    r" )?(?P<cols>.+?)$",
)
def change_case(match: re.Match[str], scope: Scope) -> list[Operation]:
    word = match.group("case").lower().replace(" ", "")
    if "firstletter" in match.group(0).lower().replace(" ", ""):
        case = "capitalize"
    else:
        word = {"upcase": "upper", "downcase": "lower"}.get(word, word)
        case = next((v for k, v in _CASES.items() if word.startswith(k)), "")
    if case not in ("lower", "upper", "title", "capitalize"):
        raise NoMatch(word)
    cols = scope.columns(match.group("cols"))
    return [ChangeCase(columns=cols, case=case)]


_SYMBOL_NAMES = {
    "dollar": "$", "dollar sign": "$", "euro": "€", "euro sign": "€", "pound": "£",
    "pound sign": "£", "comma": ",", "percent": "%", "percent sign": "%", "percentage": "%",
    "percentage sign": "%", "hash": "#", "dot": ".", "period": ".", "full stop": ".",
    "dash": "-", "hyphen": "-", "underscore": "_", "slash": "/", "plus": "+", "plus sign": "+",
    "asterisk": "*", "star": "*", "quote": '"', "apostrophe": "'", "at sign": "@",
    "parenthesis": "()", "parentheses": "()", "bracket": "()", "brackets": "()",
    "currency": "$€£¥", "currency symbol": "$€£¥", "currency sign": "$€£¥",
    "thousands separator": ",",
}  # fmt: skip


def _symbols(raw: str, scope: Scope) -> str:
    """'the $ and commas' -> '$,'; empty when the words name no symbol."""
    found = ""
    for part in re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*", raw.strip()):
        part = re.sub(r"^(?:the|all|any|a)\s+", "", part.strip(), flags=re.I)
        part = re.sub(r"\s*(?:signs?|symbols?|characters?|chars|marks?)$", "", part, flags=re.I)
        if scope.request.is_quoted(part):
            found += str(scope.value(part))
            continue
        word = part.lower()
        symbol = _SYMBOL_NAMES.get(word) or _SYMBOL_NAMES.get(re.sub(r"e?s$", "", word))
        if symbol is None and part and all(not c.isalnum() and not c.isspace() for c in part):
            symbol = part
        if symbol is None:
            return ""
        found += symbol
    return "".join(dict.fromkeys(found))


@rule(
    RULES,
    r"^(?:remove|strip|delete|drop|get rid of|take out|strip out|clean"
    r"|eliminate)\s+(?P<what>.+?)\s+"
    r"(?:from|in|out of|off|on)\s+(?:the\s+)?(?P<cols>.+?)$",
)
def remove_symbols(match: re.Match[str], scope: Scope) -> list[Operation]:
    symbols = _symbols(match.group("what"), scope)
    if not symbols:
        raise NoMatch(match.group("what"))
    columns = scope.columns(match.group("cols"))
    return [ReplaceText(columns=columns, old=s, new="") for s in symbols]


@rule(
    RULES,
    r"^(?:replace|change|map|convert|substitute|swap|turn|recode|set)\s+(?:all |every |each |any )?"
    r"(?P<old>.+?)\s+(?:values?\s+|cells?\s+|entries\s+)?(?:in|of|within|inside)\s+(?:the\s+)?"
    r"(?P<cols>.+?)\s+(?:with|to|into|by|as|->|=>)\s+(?P<new>.+?)$",
    r"^(?:replace|change|map|convert|substitute|swap|turn|recode|rename|correct|fix"
    r"|standardi[sz]e)\s+"
    r"(?:all |every |each |any )?(?:occurrences? of |instances? of |values? |cells? )?"
    r"(?P<old>.+?)\s+(?:with|to|into|by|as|->|=>|for)\s+(?P<new>.+?)"
    r"(?:\s+(?:in|for|within|across|of|on|inside)\s+(?:the\s+)?(?P<cols>.+?))?$",
    r"^(?:in|within|for|on)\s+(?:the\s+)?(?P<cols>.+?),?\s+(?:replace|change|map|convert|turn|swap"
    r"|recode)\s+(?:all |every )?(?P<old>.+?)\s+(?:with|to|into|by|as|->|=>)\s+(?P<new>.+?)$",
    r"^(?P<old>.+?)\s+should (?:be|become"
    r"|read)\s+(?P<new>.+?)(?:\s+in\s+(?:the\s+)?(?P<cols>.+?))?$",
)
def replace(match: re.Match[str], scope: Scope) -> list[Operation]:
    raw_old, raw_new = match.group("old"), match.group("new")
    cols_phrase = match.groupdict().get("cols")
    renaming = match.group(0).split(maxsplit=1)[0].lower() == "rename"
    # A column named, even quoted, is what "rename" renames; unquoted, what any verb means.
    names_column = _names_a_column(raw_old, scope)
    if names_column and (renaming or not scope.request.is_quoted(raw_old)):
        raise NoMatch(raw_old)
    if not scope.request.is_quoted(raw_new) and re.fullmatch(_TYPE_TARGETS, raw_new, re.I):
        # "convert X to date" converts a column: X names no value, and no column if not this.
        raise NoMatch(raw_new) if names_column else UnknownColumn(raw_old)
    replacement: Scalar | None = scope.value(raw_new)
    if not scope.request.is_quoted(raw_new) and re.fullmatch(_NOTHING, str(replacement), re.I):
        replacement = None
    olds = [scope.value(o) for o in re.split(r"\s*,\s*(?:and\s+|or\s+)?|\s+or\s+", raw_old) if o]
    if any(isinstance(o, str) and len(o.split()) > 4 for o in olds):
        raise NoMatch(raw_old)
    holders = _holders(olds, scope)
    if renaming and not cols_phrase and not holders:
        raise UnknownColumn(raw_old)  # "rename foo to bar": no column foo, nor a value foo
    columns = scope.columns(cols_phrase) if cols_phrase else holders or _text_columns(scope)
    symbolic = all(isinstance(o, str) and o and not any(c.isalnum() for c in o) for o in olds)
    if symbolic and isinstance(replacement, str):
        return [ReplaceText(columns=columns, old=str(o), new=replacement) for o in olds]
    pairs = tuple(Replacement(old=o, new=replacement) for o in olds)
    return [ReplaceValues(columns=columns, replacements=pairs)]


def _names_a_column(phrase: str, scope: Scope) -> bool:
    try:
        scope.matcher.resolve(phrase)
    except UnknownColumn:
        return False
    except AmbiguousColumn:
        return True
    return True


def _holders(values: list[str | int | float | bool], scope: Scope) -> tuple[str, ...]:
    """The text columns whose samples hold one of the values."""
    wanted = {str(v) for v in values}
    return tuple(c.name for c in scope.matcher.columns if c.is_text and wanted & set(c.samples))


def _text_columns(scope: Scope) -> tuple[str, ...]:
    return tuple(c.name for c in scope.matcher.columns if c.is_text)


_NUMBER_WORDS = (
    r"(?:a |an |proper |real |actual )?(?:numbers?|numeric(?: values?| type| column)?|numerical"
    r"|floats?|decimals?|doubles?|float64|amounts?|money|currency amounts)"
)
_INTEGER_WORDS = r"(?:an? )?(?:integers?|ints?|int64|whole numbers?)"
_TEXT_WORDS = r"(?:a |an )?(?:text|strings?|str|varchar|characters)"
_DATE_WORDS = (
    r"(?:a |an |proper |real |actual )?(?:dates?|datetimes?|date ?times?|timestamps?"
    r"|date type|datetime type|date format|date column)"
)
_BOOL_WORDS = r"(?:a |an )?(?:booleans?|bools?|true ?/ ?false|yes ?/ ?no|true or false|flags?)"
_CONVERT = r"(?:convert|change|cast|turn|make|parse|transform|treat|read|set|coerce|format|store)"
_TYPE_WORDS = (
    rf"{_NUMBER_WORDS}|{_INTEGER_WORDS}|{_TEXT_WORDS}|{_DATE_WORDS}|{_BOOL_WORDS}"
    r"|categor(?:y|ies|ical)"
)
_TYPE_SUFFIX = r"(?: type| values?| columns?| format)?"
_TYPE_TARGETS = rf"(?:{_TYPE_WORDS}){_TYPE_SUFFIX}"
"""What a column is converted to (a type), as opposed to a value it is replaced with."""


@rule(
    RULES,
    rf"^{_CONVERT}\s+(?:the\s+)?(?:values in\s+|type of\s+)?(?P<cols>.+?)\s+(?:to|into|as|a|an|be"
    rf"|type)?\s*(?P<target>{_TYPE_WORDS}){_TYPE_SUFFIX}$",
    r"^(?:make|set)\s+(?:the\s+)?(?P<cols>.+?)\s+(?P<target>numeric|numerical)$",
    r"^(?:parse|convert|read|fix|standardi[sz]e|clean(?: up)?)\s+(?:the\s+)?(?P<target>dates?"
    r"|numbers?)"
    r"\s+(?:in|of)\s+(?:the\s+)?(?P<cols>.+?)$",
)
def convert(match: re.Match[str], scope: Scope) -> list[Operation]:
    target = match.group("target").lower()
    columns = scope.named_columns(match.group("cols"))
    day_first = bool(re.search(r"day first|dd/mm|european", match.group(0), re.I))
    if re.fullmatch(_DATE_WORDS, target, re.I):
        return [ToDatetime(columns=columns, day_first=day_first)]
    if re.fullmatch(_BOOL_WORDS, target, re.I):
        text = tuple(c for c in columns if scope.info(c).is_text)
        rest = tuple(c for c in columns if c not in text)
        ops: list[Operation] = [ToBoolean(columns=text)] if text else []
        return ops + ([CastType(columns=rest, dtype="boolean")] if rest else [])
    if re.fullmatch(_TEXT_WORDS, target, re.I):
        return [CastType(columns=columns, dtype="string")]
    if target.startswith("categor"):
        return [CastType(columns=columns, dtype="category")]
    ops = scope.numeric(columns)
    if re.fullmatch(_INTEGER_WORDS, target, re.I):
        ops.append(CastType(columns=columns, dtype="integer"))
    return ops


_FORMATS = {
    "iso": "%Y-%m-%d", "iso 8601": "%Y-%m-%d", "iso-8601": "%Y-%m-%d", "yyyy-mm-dd": "%Y-%m-%d",
    "dd/mm/yyyy": "%d/%m/%Y", "mm/dd/yyyy": "%m/%d/%Y", "dd.mm.yyyy": "%d.%m.%Y",
    "yyyy/mm/dd": "%Y/%m/%d", "dd-mm-yyyy": "%d-%m-%Y", "mm-dd-yyyy": "%m-%d-%Y",
    "yyyymmdd": "%Y%m%d", "us": "%m/%d/%Y", "european": "%d/%m/%Y", "uk": "%d/%m/%Y",
}  # fmt: skip


@rule(
    RULES,
    r"^(?:format|write|show|display|standardi[sz]e|normali[sz]e|convert|change|reformat|put)\s+"
    r"(?:all |the )?(?:dates? (?:in|of) (?:the )?)?(?P<cols>.+?)\s+(?:as|to|in|like|using|into)\s+"
    r"(?:the |a |an )?(?:format\s+)?(?P<fmt>[\w%/.\- ]+?)(?: format| dates?| style)?$",
)
def format_dates(match: re.Match[str], scope: Scope) -> list[Operation]:
    raw = scope.request.unquote(match.group("fmt")).strip().lower()
    fmt = _FORMATS.get(raw) or (match.group("fmt").strip() if "%" in raw else None)
    if fmt is None:
        raise NoMatch(raw)
    return [FormatDatetime(columns=scope.columns(match.group("cols")), date_format=fmt)]


_DIGITS = r"(?P<n>\w+)\s+(?:decimals?|decimal places?|digits?|dp|places?|decimal points?)"


@rule(
    RULES,
    r"^round\s+(?:off\s+)?(?:the\s+)?(?:values in\s+|numbers in\s+)?(?P<cols>.+?)"
    rf"(?:\s+(?:to|at|with)\s+(?:{_DIGITS}|(?:the )?(?P<whole>nearest (?:integer|whole number|unit)"
    r"|whole numbers?|integers?)))?$",
)
def round_numbers(match: re.Match[str], scope: Scope) -> list[Operation]:
    raw = match.group("n") or "0"
    decimals = 0 if raw.lower() == "no" else parse_number(raw)
    if not isinstance(decimals, int):
        raise NoMatch(match.group("n"))
    columns = scope.columns(match.group("cols"))
    if not columns:
        columns = tuple(c.name for c in scope.matcher.columns if c.is_numeric)
    return [*scope.numeric(columns), RoundNumbers(columns=columns, decimals=decimals)]


@rule(
    RULES,
    r"^(?:cap|clip|limit|bound|clamp|restrict|constrain|keep)\s+(?:the\s+)?(?:values in\s+)?"
    r"(?P<col>.+?)\s+(?:between|within|in the range|to the range|to|from)\s+(?P<low>-?[\d.,]+)\s*"
    r"(?:and|to|-)\s*(?P<high>-?[\d.,]+)$",
    r"^(?:cap|clip|limit|bound|clamp)\s+(?:the\s+)?(?P<col>.+?)\s+(?:at|to)\s+(?:a )?(?:maximum|max"
    r"|most|upper bound|ceiling)?\s*(?:of\s+)?(?P<high>-?[\d.,]+)$",
    r"^(?:cap|clip|limit|bound|clamp)\s+(?:the\s+)?(?P<col>.+?)\s+(?:at|to)\s+(?:a )?(?:minimum|min"
    r"|least|lower bound|floor)\s*(?:of\s+)?(?P<low>-?[\d.,]+)$",
)
def clip(match: re.Match[str], scope: Scope) -> list[Operation]:
    column = scope.column(match.group("col"))
    low = parse_number(match.groupdict().get("low") or "")
    high = parse_number(match.groupdict().get("high") or "")
    return [*scope.numeric((column,)), ClipValues(column=column, lower=low, upper=high)]
