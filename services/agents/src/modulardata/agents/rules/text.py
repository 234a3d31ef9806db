"""Reading a request: quoted values set aside, filler words dropped, clauses and values parsed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from modulardata.contracts.operations import Scalar

_QUOTED = re.compile(r"\"([^\"]*)\"|“([^”]*)”|‘([^’]*)’|(?<![\w])'([^']*)'(?![\w])|`([^`]*)`")
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_FILLER_START = re.compile(
    r"^(?:(?:please|pls|ok(?:ay)?|so|now|then|also|and|hey|hi|hmm+|oops|well|great|thanks"
    r"|no|actually|wait|right|alright|next)\b[,!.]?\s*"
    r"|(?:can|could|would|will) you(?: please)?\s+|i(?:'d| would) like(?: you)? to\s+"
    r"|i (?:want|need)(?: you)? to\s+|let'?s\s+|go ahead and\s+|help me\s+|try to\s+)+",
    re.IGNORECASE,
)
_FILLER_END = re.compile(
    r"(?:[\s,]+(?:please|pls|thanks|thank you|for me|now|too|as well|also))+$", re.IGNORECASE
)
_NUMBER = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[-+]?\.\d+$")
_WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a hundred": 100, "hundred": 100,
}  # fmt: skip


@dataclass(frozen=True)
class Request:
    """One clause of a message with its quoted values replaced by placeholders."""

    text: str
    quoted: tuple[str, ...]

    def value(self, raw: str) -> Scalar:
        """A typed value from a phrase: quoted text as written, numbers as numbers."""
        raw = raw.strip().rstrip(".,;!?")
        whole = _PLACEHOLDER.fullmatch(raw)
        if whole:
            return self.quoted[int(whole.group(1))]
        raw = self.unquote(raw)
        raw = re.sub(r"^(?:the )?(?:value |text |string |word )", "", raw, flags=re.I)
        number = parse_number(raw)
        return raw if number is None else number

    def unquote(self, raw: str) -> str:
        """The phrase with its placeholders put back as the quoted text."""
        return _PLACEHOLDER.sub(lambda m: self.quoted[int(m.group(1))], raw).strip()

    def is_quoted(self, raw: str) -> bool:
        """Whether the phrase is exactly one quoted value."""
        return _PLACEHOLDER.fullmatch(raw.strip()) is not None


def parse_number(raw: str) -> int | float | None:
    """'1,250' -> 1250, '2.5' -> 2.5, 'ten' -> 10; None when it is not a number."""
    raw = raw.strip()
    if raw.lower() in _WORD_NUMBERS:
        return _WORD_NUMBERS[raw.lower()]
    if not _NUMBER.match(raw):
        return None
    cleaned = raw.replace(",", "")
    return float(cleaned) if "." in cleaned else int(cleaned)


def has_placeholder(text: str) -> bool:
    """Whether text holds a placeholder of a quoted value (none may leave the planner)."""
    return _PLACEHOLDER.search(text) is not None


def quotes_restored(message: str, text: str) -> str:
    """`text`, written from `message`'s clauses, with the placeholders put back as quoted text."""
    return hide_quotes(message).unquote(text)


def hide_quotes(message: str) -> Request:
    """The whole message with each quoted value replaced by a placeholder."""
    quoted: list[str] = []

    def hide(match: re.Match[str]) -> str:
        quoted.append(next(g for g in match.groups() if g is not None))
        return f"\x00{len(quoted) - 1}\x00"

    text = _QUOTED.sub(hide, message.strip())
    return Request(text, tuple(quoted))


def split_message(message: str) -> list[Request]:
    """The clauses of a message ("trim name, then lowercase email"), each ready to match."""
    hidden = hide_quotes(message)
    text, quoted = hidden.text, hidden.quoted
    parts = re.split(
        r"\s*(?:;|\.\s+|,?\s+and then\s+|,\s*then\s+|\s+then\s+|\s+after that\s+|\n)\s*",
        text,
        flags=re.IGNORECASE,
    )
    return [Request(clean, quoted) for clean in map(_tidy, parts) if clean]


def _tidy(clause: str) -> str:
    clause = re.sub(r"\s+", " ", clause).strip().rstrip(".!?,;: ")
    previous = None
    while previous != clause:
        previous = clause
        clause = _FILLER_END.sub("", _FILLER_START.sub("", clause)).strip().rstrip(".!?,;: ")
    return clause
