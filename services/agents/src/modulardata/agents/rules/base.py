"""What every rule shares: the scope it plans in, its registration, the common word patterns."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from modulardata.agents.columns import ColumnInfo
from modulardata.agents.exceptions import NoMatch
from modulardata.agents.rules.matching import ColumnMatcher
from modulardata.agents.rules.text import Request, parse_number
from modulardata.contracts.operations import Operation, ToNumeric

DROP = (
    r"(?:drop|remove|delete|get rid of|exclude|eliminate|discard|filter out|throw out|take out"
    r"|strip out|erase|purge|lose|ditch|kill|cut)"
)
KEEP = (
    r"(?:keep|retain|only keep|keep only|just keep|filter(?: (?:to|for|on|by))?|select|only show"
    r"|show(?: me)?(?: only)?|limit (?:it |this |the data |the table )?to|include only"
    r"|only include|restrict (?:it |this )?to|only)"
)
ROWS = (
    r"(?:(?:all |any |the |those |these |only )?(?:rows?|records?|entries|lines|customers?"
    r"|people|persons?|users?|clients?|observations?)\b\s*)"
)
MISSING = (
    r"(?:missing|empty|null|nulls|blank|blanks|na|nan|nans|none|not set|not filled(?: in)?"
    r"|undefined|absent|unknown|without (?:a )?value)"
)
SYMBOLS = "$€£¥,%"
"""Characters stripped from text before it is read as numbers (currency, thousands, percent)."""


@dataclass(frozen=True)
class Scope:
    """The request being planned and the columns it may name."""

    request: Request
    matcher: ColumnMatcher

    def column(self, phrase: str) -> str:
        """The one column a phrase names (quoted or not)."""
        return self.matcher.resolve(self.request.unquote(phrase))

    def columns(self, phrase: str) -> tuple[str, ...]:
        """The columns a list names (quoted or not); empty for 'all columns'."""
        return self.matcher.resolve_many(self.request.unquote(phrase))

    def named_columns(self, phrase: str, *, at_least: int = 1) -> tuple[str, ...]:
        """The columns a list names, which must be at least `at_least`; NoMatch otherwise."""
        columns = self.columns(phrase)
        if len(columns) < at_least:
            raise NoMatch(phrase)
        return columns

    def info(self, name: str) -> ColumnInfo:
        """What is known about a resolved column."""
        return self.matcher.info(name)

    def value(self, raw: str) -> str | int | float | bool:
        """A typed value written in the request."""
        return self.request.value(raw)

    def symbols(self, name: str) -> str:
        """The currency, thousands or percent symbols seen in a text column's samples."""
        seen = "".join(self.info(name).samples)
        return "".join(c for c in SYMBOLS if c in seen)

    def holds_numbers(self, name: str) -> bool:
        """Whether a text column's samples are mostly numbers (once symbols are stripped)."""
        samples = self.info(name).samples
        strip = str.maketrans("", "", SYMBOLS + " ")
        numbers = sum(parse_number(s.translate(strip)) is not None for s in samples)
        return bool(samples) and numbers * 10 >= len(samples) * 8

    def numeric(self, names: tuple[str, ...]) -> list[Operation]:
        """Operations that turn the text columns among `names` into numbers first."""
        ops: list[Operation] = []
        for name in names:
            if self.info(name).is_text:
                ops.append(ToNumeric(columns=(name,), strip_characters=self.symbols(name)))
        return ops


Builder = Callable[[re.Match[str], Scope], list[Operation]]


@dataclass(frozen=True)
class Rule:
    """A phrasing pattern (matched case-insensitively, whole clause) and what it plans."""

    pattern: re.Pattern[str]
    build: Builder


def rule(rules: list[Rule], *patterns: str) -> Callable[[Builder], Builder]:
    """Decorator: register a builder for each of the patterns, in definition order."""

    def register(build: Builder) -> Builder:
        rules.extend(Rule(re.compile(p, re.IGNORECASE), build) for p in patterns)
        return build

    return register
