"""Rules about rows: duplicates, missing values, outliers, filters, sorting and limits."""

from __future__ import annotations

import re

from modulardata.agents.exceptions import NoMatch
from modulardata.agents.rules.base import DROP, KEEP, MISSING, ROWS, Rule, Scope, rule
from modulardata.agents.rules.conditions import parse_conditions
from modulardata.agents.rules.text import parse_number
from modulardata.contracts.operations import (
    Condition,
    DropDuplicates,
    DropNulls,
    FillNulls,
    FillStrategy,
    FilterRows,
    LimitRows,
    Operation,
    RemoveOutliers,
    Scalar,
    SetMissingWhere,
    SortRows,
    StandardizeMissing,
)

RULES: list[Rule] = []

_DUPLICATES = r"(?:duplicate|duplicated|repeated|double|identical|redundant|dupe|dup)s?"
_KEEP_WHICH = (
    r"(?:,? (?:and )?keep(?:ing)? (?:only )?the (?P<keep>first|last|latest|earliest|newest|oldest)"
    r"(?: one| occurrence| copy| row| entry)?)?"
)
_BY = r"(?:based on|by|on|using|in|for|with the same|with same|that share|sharing|of|per|across)"


@rule(
    RULES,
    rf"^(?:{DROP}|dedupe|de-?duplicate|clear)\s+(?:the |all |any |exact )*{_DUPLICATES}"
    r"(?: (?:rows?|records?|entries|lines|customers?|values?|ones))?"
    rf"(?:\s+{_BY}\s+(?P<cols>.+?))?"
    rf"{_KEEP_WHICH}$",
    r"^(?:dedupe|de-?duplicate|deduplicate)(?: the)?(?: (?:data|table|rows|dataset|records))?"
    rf"(?:\s+{_BY}\s+(?P<cols>.+?))?{_KEEP_WHICH}$",
    rf"^{DROP}\s+{ROWS}(?:with|that have|having) (?:a |the )?(?:{_DUPLICATES}|same) (?P<cols>.+?)$",
    r"^make (?:the )?(?:rows|records|data) unique(?:\s+(?:by|on) (?P<cols>.+))?$",
    r"^(?:make|ensure) (?:the )?(?P<cols>.+?) (?:is |are )?unique$",
)
def duplicates(match: re.Match[str], scope: Scope) -> list[Operation]:
    cols = match.groupdict().get("cols") or ""
    keep = match.groupdict().get("keep") or "first"
    last = keep.lower() in ("last", "latest", "newest")
    return [DropDuplicates(columns=scope.columns(cols), keep="last" if last else "first")]


@rule(
    RULES,
    rf"^(?:{DROP}|filter)\s+(?:the |any |all )?outliers?\s+(?:in|from|of|for|on|based on)\s+"
    r"(?:the )?(?P<col>.+?)$",
    rf"^{DROP}\s+(?:the |any |all )?(?P<col>.+?) outliers?$",
    rf"^{DROP}\s+{ROWS}(?:where|whose|with) (?:the )?(?P<col>.+?) (?:is|are) (?:an )?outliers?$",
)
def outliers(match: re.Match[str], scope: Scope) -> list[Operation]:
    column = scope.column(match.group("col"))
    return [*scope.numeric((column,)), RemoveOutliers(column=column)]


@rule(
    RULES,
    rf"^(?:{DROP}|filter)\s+{ROWS}?(?:that are |which are )?(?:where )?(?:completely |entirely "
    r"|fully |totally )?(?:empty|blank)(?: rows?| records?| lines?)?$",
    rf"^{DROP}\s+{ROWS}(?:where|that are|which are|with) (?:all|every|completely|entirely|only) "
    rf"(?:values |cells |columns |fields )?(?:are |is )?{MISSING}(?: values| cells)?$",
)
def empty_rows(match: re.Match[str], scope: Scope) -> list[Operation]:
    return [DropNulls(how="all")]


@rule(
    RULES,
    rf"^{DROP}\s+{ROWS}?(?:where|with|whose|that have|having|if|when|in which) (?:the |a |an |their"
    r" |its )?"
    rf"(?P<cols>.+?) (?:is |are |value is |values are |field is |column is )?{MISSING}$",
    rf"^{DROP}\s+{ROWS}?(?:with|that have|having|containing|which have) (?:a |an |any )?{MISSING}"
    r"(?: values?| cells?| data| fields?| entries)?(?: (?:(?:in|for|on|under) )?(?:the )?"
    r"(?P<cols>.+?))?$",
    rf"^{DROP}\s+(?:all |any |the )?(?:{MISSING}|null values|missing values|nans|nas)(?: values)?"
    r"(?: (?:in|from|for) (?:the )?(?P<cols>.+?))?$",
    rf"^{DROP}\s+{ROWS}(?:without|with no|missing|lacking|that lack|that are missing|with a missing"
    r"|with an empty|with empty|with missing|having no|that have no) (?:an? |any )?(?P<cols>.+?)$",
    rf"^{DROP}\s+(?:the |all |any )?(?:{MISSING}) (?P<cols>.+?)(?: values| rows| entries)?$",
    r"^dropna(?: (?:on|in|for) (?P<cols>.+))?$",
)
def drop_missing(match: re.Match[str], scope: Scope) -> list[Operation]:
    cols = match.groupdict().get("cols") or ""
    return [DropNulls(columns=scope.columns(cols))]


_FILL_VERB = r"(?:fill(?: in| up)?|replace|impute|populate|set|patch|complete|substitute)"
_STRATEGIES: list[tuple[str, FillStrategy]] = [
    (r"(?:the )?(?:column'?s? )?(?:mean|average|avg)(?: value)?(?: of (?:the )?column)?", "mean"),
    (r"(?:the )?(?:column'?s? )?median(?: value)?(?: of (?:the )?column)?", "median"),
    (r"(?:the )?(?:mode|most (?:common|frequent)(?: value| one)?)", "mode"),
    (r"(?:the )?(?:previous|prior|last|above|preceding)(?: (?:known |valid |non-?missing )?"
     r"(?:value|row|one|entry))?|forward(?: ?fill)?|ffill|carry forward", "forward"),
    (r"(?:the )?(?:next|following|below)(?: (?:known |valid )?(?:value|row|one|entry))?"
     r"|backward(?: ?fill)?|back ?fill|bfill", "backward"),
]  # fmt: skip


def fill_spec(raw: str, scope: Scope) -> tuple[FillStrategy, Scalar | None]:
    """'the median' -> ('median', None); "'Unknown'" -> ('value', 'Unknown'); 'zero' -> 0."""
    raw = raw.strip()
    for pattern, strategy in _STRATEGIES:
        if re.fullmatch(pattern, raw, re.IGNORECASE):
            return strategy, None
    if re.fullmatch(r"(?:a |the )?(?:zeroe?s?|0)", raw, re.IGNORECASE):
        return "value", 0
    if re.fullmatch(r"(?:an? )?(?:empty (?:string|text)|nothing|blank)", raw, re.IGNORECASE):
        return "value", ""
    value = scope.value(raw)
    if isinstance(value, str) and not scope.request.is_quoted(raw) and len(value.split()) > 3:
        raise NoMatch(raw)
    return "value", value


def _fill(cols: tuple[str, ...], spec: str, scope: Scope) -> list[Operation]:
    strategy, value = fill_spec(spec, scope)
    columns = cols or tuple(c.name for c in scope.matcher.columns)
    prep = scope.numeric(columns) if strategy in ("mean", "median") else []
    if strategy == "value" and isinstance(value, int | float) and not isinstance(value, bool):
        prep = scope.numeric(columns)
    return [*prep, FillNulls(columns=columns, strategy=strategy, value=value)]


@rule(
    RULES,
    rf"^{_FILL_VERB}\s+(?:the |all |any |every )?(?:{MISSING}|gaps|holes)(?: values?| cells?|"
    r" entries"
    r"| data| fields?| ones| spots)?\s+(?:in|for|of|from|on)\s+(?:the )?(?P<cols>.+?)\s+"
    r"(?:with|to|as|using|by|by using)\s+(?P<fill>.+)$",
    rf"^{_FILL_VERB}\s+(?:the |all |any )?(?:{MISSING}|gaps)(?: values?| cells?| entries)?\s+"
    r"(?:with|to|as|using|by)\s+(?P<fill>.+?)(?:\s+(?:in|for|on)\s+(?:the )?(?P<cols>.+?))?$",
    rf"^{_FILL_VERB}\s+(?:the |all |any )?(?:{MISSING}) (?P<cols>.+?)(?: values?| cells?| entries)?"
    r"\s+(?:with|to|as|using|by)\s+(?P<fill>.+)$",
    r"^(?:fill|impute|fill in|fillna|populate|complete)\s+(?:the )?(?P<cols>.+?)(?:'s)?"
    rf"(?:\s+(?:{MISSING}|gaps))?(?:\s+values)?\s+(?:with|using|by|to|from)\s+(?P<fill>.+)$",
    rf"^(?:where|when|if)\s+(?:the )?(?P<cols>.+?)\s+(?:is|are)\s+{MISSING},?\s+(?:set it to|set to"
    r"|use|put|fill(?: it)? with|make it|replace (?:it )?with)\s+(?P<fill>.+)$",
)
def fill_missing(match: re.Match[str], scope: Scope) -> list[Operation]:
    return _fill(scope.columns(match.group("cols") or ""), match.group("fill"), scope)


_TOKENS = (
    r"(?:the )?(?:placeholders?|placeholder (?:values|text|strings)|fake (?:nulls|missing values)"
    r"|null-?like (?:values|strings|text)|(?:text|string) (?:nulls|placeholders))"
    r"(?: (?:like|such as|e\.?g\.?) (?P<examples>.+?))?"
)


@rule(
    RULES,
    r"^(?:treat|mark|consider|convert|turn|replace|change|set|make|read"
    r"|interpret)\s+(?P<tokens>.+?)"
    rf"\s+(?:as|to|into|with)\s+(?:real |proper |actual |true )?(?:{MISSING}|nan|nulls)"
    r"(?: values?| cells?)?(?:\s+(?:in|for|across|on)\s+(?:the )?(?P<cols>.+?))?$",
    r"^(?:standardi[sz]e|normali[sz]e|clean(?: up)?|fix|unify|harmoni[sz]e)\s+(?:the |all )?"
    r"(?:missing|null|empty|blank|na) (?:values|markers|placeholders|entries)"
    r"(?:\s+(?:in|for|across) (?:the )?(?P<cols>.+?))?$",
)
def placeholders(match: re.Match[str], scope: Scope) -> list[Operation]:
    cols = scope.columns(match.groupdict().get("cols") or "")
    raw = match.groupdict().get("tokens")
    if raw is None:
        return [StandardizeMissing(columns=cols)]
    generic = re.fullmatch(_TOKENS, raw.strip(), re.IGNORECASE)
    if generic and not generic.group("examples"):
        return [StandardizeMissing(columns=cols)]
    listed = generic.group("examples") if generic else raw
    items = [
        str(scope.value(i))
        for i in re.split(r"\s*,\s*(?:and |or )?|\s+(?:and|or)\s+", listed)
        if i.strip() and not re.fullmatch(r"(?:all |every )?(?:values?|cells?)", i.strip())
    ]
    if not items or any(
        len(i) > 12 or scope.matcher.columns and i in {c.name for c in scope.matcher.columns}
        for i in items
    ):
        raise NoMatch(raw)
    return [StandardizeMissing(columns=cols, tokens=tuple(dict.fromkeys(items)))]


@rule(
    RULES,
    r"^(?:set|make|mark|turn|change|replace|blank(?: out)?|null(?: out)?|clear|treat)\s+(?:the |all"
    r" |any )?"
    r"(?P<col>.+?)(?: values?)?\s+(?:to|as|with)\s+(?:missing|null|nan|na|empty|blank|none)"
    r"(?: values?)?\s+(?:where|when|if|for rows where)\s+(?P<cond>.+)$",
    r"^(?:set|make|mark|turn|treat|replace|blank(?: out)?|null(?: out)?|clear)\s+(?:the |all |any"
    r" )?"
    r"(?P<col>.+?) (?P<cond>(?:over|above|below|under|greater than|less than|more than|bigger than"
    r"|smaller than|higher than|lower than) .+?)\s+(?:as|to|with)\s+(?:missing|null|nan|na|empty"
    r"|blank|none)$",
)
def blank_where(match: re.Match[str], scope: Scope) -> list[Operation]:
    column = scope.column(match.group("col"))
    cond = match.group("cond")
    if not re.match(r"^(?:the )?" + re.escape(column), cond, re.I) and re.match(
        r"^(?:over|above|below|under|greater|less|more|bigger|smaller|higher|lower)\b", cond, re.I
    ):
        cond = f"{column} {cond}"
    conditions, _, prep = parse_conditions(cond, scope)
    if len(conditions) != 1:
        raise NoMatch(cond)
    return [*prep, SetMissingWhere(column=column, condition=conditions[0])]


_WHERE = (
    r"(?:where|with|whose|that have|having|which have|if|when|for which|in which|that are|who are"
    r"|who have|that|who|which)"
)


@rule(
    RULES,
    rf"^(?P<verb>{KEEP}|{DROP})\s+{ROWS}{_WHERE}\s+(?P<cond>.+)$",
    rf"^(?P<verb>{KEEP}|{DROP})\s+{ROWS}?(?P<cond>(?:from|in|living in|based in|located in|older"
    r" than"
    r"|younger than|without|with|lacking|having|with no|an? invalid|invalid|valid|an? valid) .+)$",
    r"^(?P<verb>filter)(?: (?:the )?(?:rows|data|table|dataset))?(?: (?:by|on|for|to|where|so that"
    r"|so only))?\s+(?P<cond>.+)$",
    rf"^(?P<verb>(?:show|give|list|find|get)(?: me)?)(?: all| the| only)?\s+{ROWS}?"
    rf"(?:{_WHERE}\s+)?(?P<cond>.+)$",
    rf"^(?P<verb>{KEEP})\s+(?P<cond>.+?)(?: only)?$",
)
def filter_rows(match: re.Match[str], scope: Scope) -> list[Operation]:
    conditions, combine, prep = parse_conditions(match.group("cond"), scope)
    drop = re.match(DROP, match.group("verb"), re.IGNORECASE) is not None
    operation = FilterRows(
        conditions=tuple(_present_if_invalid(conditions)),
        combine="all" if combine == "all" else "any",
        keep=not drop,
    )
    return [*prep, operation]


def _present_if_invalid(conditions: list[Condition]) -> list[Condition]:
    # "drop invalid emails" means badly written addresses, not missing ones.
    result: list[Condition] = []
    for c in conditions:
        if c.op == "not_matches" and len(conditions) == 1:
            result.append(Condition(column=c.column, op="not_null"))
        result.append(c)
    return result


@rule(
    RULES,
    r"^(?:keep|show|take|select|get|give me|return|limit (?:it |this |the data )?to|only keep|just"
    r" keep"
    r"|keep only)\s+(?:only\s+)?(?:the\s+)?(?P<which>first|top|last|bottom)\s+(?P<n>\w+)"
    r"(?:\s+(?:rows?|records?|entries|lines|customers?))?$",
    r"^(?:limit|truncate|cut)\s+(?:it |this |the (?:data|table|rows) )?to\s+(?P<n>\w+)"
    r"(?:\s+(?:rows?|records?|entries|lines))$",
    r"^(?P<which>head|tail)\s+(?P<n>\d+)$",
)
def limit(match: re.Match[str], scope: Scope) -> list[Operation]:
    count = parse_number(match.group("n"))
    if not isinstance(count, int):
        raise NoMatch(match.group("n"))
    which = (match.groupdict().get("which") or "first").lower()
    return [LimitRows(count=count, from_end=which in ("last", "bottom", "tail"))]


_DESC = (
    r"desc(?:ending)?(?: order)?|reverse(?:d)?(?: order)?|largest first|biggest first|highest first"
    r"|newest first|latest first|most recent first|from high to low|high to low|z-a|z to a"
    r"|from largest to smallest|largest to smallest|big to small"
)
_ASC = (
    r"asc(?:ending)?(?: order)?|smallest first|lowest first|oldest first|earliest first"
    r"|from low to high|low to high|a-z|a to z|alphabetically|alphabetical(?: order)?"
    r"|from smallest to largest|smallest to largest|small to big"
)


@rule(
    RULES,
    r"^(?:sort|order|arrange|rank|reorder)\s+(?:the\s+)?(?:rows|data|table|records|customers"
    r"|dataset)?"
    rf"\s*(?:(?P<dir1>{_DESC}|{_ASC})\s+)?(?:by|on|according to|using)\s+(?:the\s+)?(?P<cols>.+?)"
    rf"(?:,?\s+(?:in\s+)?(?P<dir2>{_DESC}|{_ASC}))?$",
    rf"^(?:sort|order)\s+(?:the\s+)?(?P<cols>.+?)(?:\s+(?:in\s+)?(?P<dir2>{_DESC}|{_ASC}))?$",
)
def sort(match: re.Match[str], scope: Scope) -> list[Operation]:
    direction = (match.groupdict().get("dir1") or "") + (match.groupdict().get("dir2") or "")
    descending = bool(direction) and re.fullmatch(_DESC, direction, re.IGNORECASE) is not None
    columns = scope.columns(match.group("cols"))
    if not columns:
        raise NoMatch(match.group("cols"))
    prep = scope.numeric(tuple(c for c in columns if scope.holds_numbers(c)))
    return [*prep, SortRows(columns=columns, descending=descending)]
