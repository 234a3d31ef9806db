"""Finding the column a phrase means: case, spaces and underscores, plurals, small typos."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz.distance import OSA

from modulardata.agents.columns import ColumnInfo
from modulardata.agents.exceptions import AmbiguousColumn, UnknownColumn

ALL_COLUMNS: tuple[str, ...] = ()
"""The empty selection: operations read it as 'every (text) column'."""

_ALL = re.compile(
    r"^(?:(?:all|every|each)(?: (?:the|of the))? (?:text |string |)(?:columns?|fields?|cells?"
    r"|values?)|everything|everywhere|(?:the )?(?:whole|entire) (?:table|dataset|data|sheet)"
    r"|(?:the )?(?:text|string) columns|all|the table|the data(?:set)?|all text)$"
)
_DECORATION = re.compile(
    r"^(?:the|a|an|all|every|each|column|columns|field|fields|values? (?:in|of)|entries in)\s+"
    r"|\s+(?:columns?|fields?|values|entries|cells|data)$"
)
_LIST_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+|&\s+)?|\s+and\s+|\s*&\s*|\s+as well as\s+|\s*/\s*")
_SYNONYMS = {
    "mail": "email", "e mail": "email", "email address": "email", "telephone": "phone",
    "tel": "phone", "mobile": "phone", "cell": "phone", "surname": "last name",
    "family name": "last name", "given name": "first name", "nation": "country",
    "town": "city", "dob": "birth date", "zip": "postcode", "ltv": "lifetime value",
    "id": "id", "identifier": "id",
}  # fmt: skip


def words(text: str) -> tuple[str, ...]:
    """The singular lower-case words of a name: 'Signup_Dates' -> ('signup', 'date')."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return tuple(_singular(w) for w in re.split(r"[^0-9a-z]+", spaced.lower()) if w)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def strip_decoration(phrase: str) -> str:
    """'the signup dates column' -> 'signup dates'."""
    phrase = phrase.strip().strip(".,;:'\"")
    previous = None
    while previous != phrase:
        previous = phrase
        phrase = _DECORATION.sub("", phrase).strip()
    return phrase


class ColumnMatcher:
    """Resolves phrases to the table's column names, or says it cannot or is unsure."""

    def __init__(self, columns: Sequence[ColumnInfo]) -> None:
        self.columns = list(columns)
        self._words = {c.name: words(c.name) for c in self.columns}

    def info(self, name: str) -> ColumnInfo:
        """The info of a resolved column."""
        return next(c for c in self.columns if c.name == name)

    def is_all(self, phrase: str) -> bool:
        """Whether the phrase means every column ('all columns', 'everything', '')."""
        return not phrase.strip() or _ALL.match(phrase.strip().lower()) is not None

    def resolve(self, phrase: str) -> str:
        """The one column the phrase names; `UnknownColumn` or `AmbiguousColumn` otherwise."""
        cleaned = strip_decoration(phrase)
        exact = [c.name for c in self.columns if c.name == cleaned]
        if exact:
            return exact[0]
        target = words(_SYNONYMS.get(" ".join(words(cleaned)), cleaned))
        if not target or len(target) > 5:
            raise UnknownColumn(phrase)
        for finder in (self._same, self._joined, self._typo, self._contained):
            found = finder(target)
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise AmbiguousColumn(phrase, tuple(found))
        raise UnknownColumn(phrase)

    def resolve_many(self, phrase: str) -> tuple[str, ...]:
        """Columns named in a list ('name, email and city'); empty for 'all columns'."""
        if self.is_all(phrase):
            return ALL_COLUMNS
        try:
            return (self.resolve(phrase),)
        except UnknownColumn:
            parts = [p for p in _LIST_SEPARATOR.split(phrase.strip()) if p.strip()]
            if len(parts) < 2:
                raise
            resolved = tuple(self.resolve(p) for p in parts)
            return tuple(dict.fromkeys(resolved))

    def _same(self, target: tuple[str, ...]) -> list[str]:
        return [name for name, w in self._words.items() if w == target]

    def _joined(self, target: tuple[str, ...]) -> list[str]:
        joined = "".join(target)
        return [name for name, w in self._words.items() if "".join(w) == joined]

    def _typo(self, target: tuple[str, ...]) -> list[str]:
        joined = "".join(target)
        if len(joined) < 4:
            return []
        allowed = 1 if len(joined) < 8 else 2
        scored = [(OSA.distance(joined, "".join(w)), name) for name, w in self._words.items()]
        best = min((d for d, _ in scored), default=allowed + 1)
        return [name for d, name in scored if d == best <= allowed]

    def _contained(self, target: tuple[str, ...]) -> list[str]:
        return [name for name, w in self._words.items() if set(target) <= set(w)]
