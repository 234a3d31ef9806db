"""Recognising an upload's format from its first bytes (the file name only breaks ties)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from modulardata.contracts.profile import SourceFormat
from modulardata.ingestion.exceptions import EmptyFile, NotText

HEAD_BYTES = 64 * 1024
"""How much of the start of a file format detection and dialect sniffing look at."""

SUPPORTED = "CSV, TSV, XLSX, Parquet, JSON or JSON Lines"

_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0", "a legacy Office file (.xls or .doc); save it as .xlsx or CSV"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive; unpack it first"),
    (b"7z\xbc\xaf", "a 7-Zip archive; unpack it first"),
    (b"Rar!", "a RAR archive; unpack it first"),
    (b"SQLite format 3", "an SQLite database"),
)
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}


def read_head(source: Path) -> bytes:
    """The first bytes of a file."""
    with source.open("rb") as raw:
        return raw.read(HEAD_BYTES)


def detect_format(source: Path, head: bytes, filename: str) -> SourceFormat:
    """The format of the file; NotText for binary files of other kinds, EmptyFile for none."""
    if not head:
        raise EmptyFile("the file is empty")
    if head.startswith(b"PK\x03\x04"):
        return _zip_format(source)
    if head.startswith(b"PAR1"):
        return "parquet"
    for signature, what in _BINARY_SIGNATURES:
        if head.startswith(signature):
            raise NotText(f"the file is {what}, not a table; upload {SUPPORTED}")
    suffix = Path(filename).suffix.lower()
    first = _first_character(head)
    if suffix in (".jsonl", ".ndjson") or (first == "{" and not _is_single_document(head)):
        return "jsonl" if suffix in _JSON_SUFFIXES or not suffix else "csv"
    if suffix == ".json" or (not suffix and first in ("[", "{")):
        return "json"
    return "csv"


def _zip_format(source: Path) -> SourceFormat:
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        raise NotText(f"the file is a damaged ZIP archive; upload {SUPPORTED}") from None
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise NotText(f"the file is a ZIP archive, not a workbook; upload {SUPPORTED}")


def _first_character(head: bytes) -> str:
    for bom in _TEXT_BOMS:
        head = head.removeprefix(bom)
    # UTF-16 puts a NUL next to each ASCII character; dropping them is enough to peek.
    stripped = head.replace(b"\x00", b"").lstrip()
    return chr(stripped[0]) if stripped else ""


def _is_single_document(head: bytes) -> bool:
    """Whether text starting with `{` is one object, not one object per line."""
    lines = [line for line in head.replace(b"\x00", b"").splitlines() if line.strip()]
    return not (len(lines) > 1 and lines[1].lstrip().startswith(b"{"))
