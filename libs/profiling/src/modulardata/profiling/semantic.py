"""What text values mean: numbers, booleans, dates (with their formats), emails, URLs, phones,
money and percentages, each recognised by a pattern over the distinct values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from modulardata.contracts.profile import SemanticType
from modulardata.profiling.tally import Counts

Positions = npt.NDArray[np.intp]

CONFORMING = 0.6
"""Share of the values a pattern must match to give the column its type."""

NULL_LIKE = frozenset(
    {
        "",
        "n/a",
        "na",
        "n.a.",
        "null",
        "none",
        "nil",
        "nan",
        "-",
        "--",
        "?",
        "#n/a",
        "missing",
        "unknown",
        "undefined",
        "not available",
        ".",
    }
)
"""Text that stands for a missing value, compared trimmed and in lower case."""

TRUE_WORDS = ("true", "yes", "y", "t")
FALSE_WORDS = ("false", "no", "n", "f")

_NUMBER = r"[-+]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?([eE][-+]?\d+)?"
_CURRENCY_SYMBOLS = "$€£¥"
_CURRENCY_CODES = "USD|EUR|GBP|JPY|CHF|CAD|AUD"
PATTERNS: tuple[tuple[SemanticType, str], ...] = (
    ("boolean", r"(?i)^(" + "|".join(TRUE_WORDS + FALSE_WORDS) + r")$"),
    ("integer", r"^[-+]?(\d+|\d{1,3}(,\d{3})+)$"),
    ("float", r"^" + _NUMBER + r"$|^[-+]?\.\d+$"),
    ("percent", r"^" + _NUMBER + r"\s?%$"),
    (
        "currency",
        rf"^[-+]?\s?[{_CURRENCY_SYMBOLS}]\s?{_NUMBER}$|^{_NUMBER}\s?[{_CURRENCY_SYMBOLS}]$"
        rf"|^({_CURRENCY_CODES})\s?{_NUMBER}$|^{_NUMBER}\s?({_CURRENCY_CODES})$",
    ),
    ("email", r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"),
    ("url", r"(?i)^(https?://|www\.)\S+$"),
    ("phone", r"^(\+|00)?\(?\d[\d\s().-]{5,18}\d$"),
)
"""Patterns in the order they claim values; date formats are tried between booleans and money."""

DATE_FORMATS: tuple[tuple[str, str], ...] = (
    ("%Y-%m-%d", r"^\d{4}-\d{1,2}-\d{1,2}$"),
    ("%Y/%m/%d", r"^\d{4}/\d{1,2}/\d{1,2}$"),
    ("%d/%m/%Y", r"^\d{1,2}/\d{1,2}/\d{4}$"),
    ("%m/%d/%Y", r"^\d{1,2}/\d{1,2}/\d{4}$"),
    ("%d.%m.%Y", r"^\d{1,2}\.\d{1,2}\.\d{4}$"),
    ("%d-%m-%Y", r"^\d{1,2}-\d{1,2}-\d{4}$"),
    ("%d %b %Y", r"^\d{1,2} [A-Za-z]{3} \d{4}$"),
    ("%b %d, %Y", r"^[A-Za-z]{3} \d{1,2}, \d{4}$"),
)
DATETIME_FORMATS: tuple[tuple[str, str], ...] = (
    ("%Y-%m-%dT%H:%M:%S", r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"),
    ("%Y-%m-%dT%H:%M:%SZ", r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"),
    ("%Y-%m-%d %H:%M:%S", r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"),
    ("%Y-%m-%d %H:%M", r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"),
    ("%d/%m/%Y %H:%M", r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}$"),
    ("%m/%d/%Y %H:%M", r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}$"),
)
_PHONE_SHAPE = r"^\+|^00|[\s().-]"
_DIGITS_ONLY = r"[^\d]"


@dataclass(frozen=True)
class Classified:
    """The values of a tally sorted into semantic types."""

    types: np.ndarray
    """Per distinct value: its type name, '' when none matched, 'null' for null-likes."""
    date_formats: np.ndarray
    """Per distinct value: the date format it parsed with, '' for none."""
    timestamps: pa.Array[Any]
    """Per distinct value: the moment it stands for, null unless it is a date."""


def classify(values: pa.Array[Any]) -> Classified:
    """Sort distinct text values into types, first matching pattern wins.

    Each pattern only looks at the values no earlier pattern claimed.
    """
    trimmed = pc.utf8_trim_whitespace(values)
    types = np.full(len(values), "", dtype=object)
    lowered = pc.utf8_lower(trimmed).to_numpy(zero_copy_only=False)
    types[np.isin(lowered, list(NULL_LIKE))] = "null"
    formats = np.full(len(values), "", dtype=object)
    timestamps = pa.nulls(len(values), pa.timestamp("s"))
    _claim(types, trimmed, *PATTERNS[0])
    for kind, candidates in (("datetime", DATETIME_FORMATS), ("date", DATE_FORMATS)):
        for format_, pattern in candidates:
            positions = _matching(types, trimmed, pattern)
            if not len(positions):
                continue
            parsed = pc.strptime(
                trimmed.take(positions), format=format_, unit="s", error_is_null=True
            )
            valid = np.asarray(parsed.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
            types[positions[valid]] = kind
            formats[positions[valid]] = format_
            parsed_at = np.full(len(values), -1, dtype=np.int64)
            parsed_at[positions[valid]] = np.flatnonzero(valid)
            timestamps = pc.if_else(
                pa.array(parsed_at >= 0), parsed.take(np.maximum(parsed_at, 0)), timestamps
            )
    for kind, pattern in PATTERNS[1:]:
        _claim(types, trimmed, kind, pattern)
    return Classified(types, formats, timestamps)


def _matching(types: npt.NDArray[np.object_], values: pa.Array[Any], pattern: str) -> Positions:
    """Positions of the values not yet claimed that match `pattern`."""
    positions = np.flatnonzero(types == "")
    if not len(positions):
        return positions
    matched = pc.match_substring_regex(values.take(positions), pattern)
    found: Positions = positions[np.asarray(matched.to_numpy(zero_copy_only=False), dtype=bool)]
    return found


def _claim(types: npt.NDArray[np.object_], values: pa.Array[Any], kind: str, pattern: str) -> None:
    positions = _matching(types, values, pattern)
    if kind == "phone" and len(positions):
        subset = values.take(positions)
        shaped = pc.match_substring_regex(subset, _PHONE_SHAPE).to_numpy(zero_copy_only=False)
        digits = pc.utf8_length(pc.replace_substring_regex(subset, _DIGITS_ONLY, ""))  # type: ignore[call-overload]
        positions = positions[shaped & (digits.to_numpy(zero_copy_only=False) >= 7)]
    types[positions] = kind


@dataclass(frozen=True)
class Verdict:
    """The semantic type the patterns give a text column, and which values fit it."""

    type: SemanticType | None
    conforming: np.ndarray
    """Per distinct value: whether it fits the type (null-likes count as neither)."""


_NUMBERS = frozenset({"integer", "float"})
_FAMILIES: dict[str, frozenset[str]] = {
    "integer": _NUMBERS,
    "float": _NUMBERS,
    "date": frozenset({"date", "datetime"}),
    "datetime": frozenset({"date", "datetime"}),
    "currency": _NUMBERS | {"currency"},
    "percent": _NUMBERS | {"percent"},
}
"""Types whose values also fit a column of the key's type (plain numbers among amounts)."""
_SEMANTIC: dict[str, SemanticType] = {
    "boolean": "boolean",
    "email": "email",
    "url": "url",
    "phone": "phone",
    "currency": "currency",
    "percent": "percent",
}


def verdict(classified: Classified, counts: Counts) -> Verdict:
    """The type matching most rows, if it matches at least `CONFORMING` of the non-null-likes."""
    types = classified.types
    weights = {kind: int(counts[types == kind].sum()) for kind in set(types) - {"", "null"}}
    present = int(counts[types != "null"].sum())
    best: tuple[int, int, str] | None = None
    for kind, weight in weights.items():
        family = _FAMILIES.get(kind, frozenset({kind}))
        candidate = (sum(weights.get(member, 0) for member in family), weight, kind)
        best = candidate if best is None or candidate > best else best
    if best is None or best[0] < CONFORMING * present:
        return Verdict(None, np.zeros(len(types), dtype=bool))
    kind = best[2]
    family = _FAMILIES.get(kind, frozenset({kind}))
    return Verdict(_type_of(kind, weights), np.isin(types, list(family)))


def _type_of(kind: str, weights: dict[str, int]) -> SemanticType:
    if kind in _NUMBERS:
        return "float" if weights.get("float") else "integer"
    if kind in ("date", "datetime"):
        return "datetime" if weights.get("datetime") else "date"
    return _SEMANTIC[kind]
