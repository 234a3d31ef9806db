"""Sniffing how a CSV is written: its delimiter, whether it has a header, its column names."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from modulardata.contracts.profile import RenamedColumn
from modulardata.ingestion.columns import unique_names
from modulardata.ingestion.formats import HEAD_BYTES

DELIMITERS = (",", "\t", ";", "|")
"""Candidates, in order of preference when two fit equally well."""

_SAMPLE_ROWS = 200
_TYPED = re.compile(
    r"[-+]?(\d+([.,]\d+)?|\.\d+)([eE][-+]?\d+)?"
    r"|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2})?)?"
    r"|true|false|yes|no"
    r"|[$€£¥]\s?[-+]?[\d,.]+|[-+]?[\d,.]+\s?[%€$]",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CsvDialect:
    """How to read a CSV file."""

    delimiter: str
    header: bool
    names: list[str]
    renamed: list[RenamedColumn]
    padded: int
    """Blank names appended because rows have one more (empty) value than the header."""


def sniff_dialect(path: Path) -> CsvDialect:
    """The delimiter that splits the first rows most consistently, and the header if any."""
    rows_by_delimiter = {d: _sample_rows(path, d) for d in DELIMITERS}
    delimiter = max(DELIMITERS, key=lambda d: _fit(rows_by_delimiter[d], DELIMITERS.index(d)))
    rows = rows_by_delimiter[delimiter]
    first = rows[0] if rows else [""]
    header = looks_like_header(first, rows[1:])
    raw_names = first if header else [""] * len(first)
    padded = _trailing_padding(len(first), rows[1:])
    names, renamed = unique_names([*raw_names, *[""] * padded])
    if not header:
        renamed = []
    return CsvDialect(delimiter, header, names, renamed, padded)


def _sample_rows(path: Path, delimiter: str) -> list[list[str]]:
    with path.open("rb") as raw:
        head = raw.read(HEAD_BYTES)
    text = head.decode("utf-8-sig", errors="replace")
    if len(head) == HEAD_BYTES:
        text = text[: text.rfind("\n") + 1] or text  # the last line may be cut short
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if any(value.strip() for value in row):
                rows.append(row)
            if len(rows) >= _SAMPLE_ROWS:
                break
    except csv.Error:
        pass  # a quote left open in the sample: judge on the rows read so far
    return rows


def _fit(rows: list[list[str]], preference: int) -> tuple[float, int, int]:
    """How well a delimiter splits the rows: consistency of the row length, then width."""
    if not rows:
        return (0.0, 0, -preference)
    lengths = Counter(len(row) for row in rows)
    width, count = lengths.most_common(1)[0]
    consistency = round(count / len(rows), 2) if width > 1 else 0.0
    return (consistency, width, -preference)


def looks_like_header(first: list[str], rest: list[list[str]]) -> bool:
    """Whether the first row names the columns: typed columns whose first value is not typed.

    A file of text only cannot tell; it is taken to have a header, as most files do.
    """
    votes = 0
    for position, value in enumerate(first):
        column = [row[position] for row in rest if position < len(row) and row[position].strip()]
        if not column or sum(map(_is_typed, column)) < 0.8 * len(column):
            continue
        votes += -1 if _is_typed(value) else 1
    return votes >= 0


def _is_typed(value: str) -> bool:
    return _TYPED.fullmatch(value.strip()) is not None


def _trailing_padding(header_width: int, rows: list[list[str]]) -> int:
    """1 when most rows end with an extra empty value (a trailing delimiter after each row)."""
    if not rows:
        return 0
    padded = sum(len(row) == header_width + 1 and not row[-1].strip() for row in rows)
    return 1 if padded >= 0.9 * len(rows) else 0
