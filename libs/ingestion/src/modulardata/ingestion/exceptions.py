"""Why an upload cannot be read; an `IngestionError` is bad input, with a code and a reason."""

from __future__ import annotations

from typing import ClassVar

from modulardata.contracts.events import IngestionErrorCode


class IngestionError(Exception):
    """An upload cannot become a dataset; `reason` says why in plain words."""

    code: ClassVar[IngestionErrorCode]

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EmptyFile(IngestionError):
    """The file holds nothing but blank space."""

    code = "empty_file"


class HeaderOnly(IngestionError):
    """The file has a header row and no data rows."""

    code = "header_only"


class NotText(IngestionError):
    """The file is binary: not text, and not a workbook, Parquet or JSON file either."""

    code = "not_text"


class Undecodable(IngestionError):
    """The file is text, but in no encoding that fits (or in several at once)."""

    code = "undecodable"


class UnterminatedQuote(IngestionError):
    """A quoted value is opened and never closed."""

    code = "unterminated_quote"


class Unreadable(IngestionError):
    """The file cannot be read as a table for any other reason (e.g. too many ragged rows)."""

    code = "unreadable"


class InvalidUtf8(Exception):
    """pyarrow met bytes that are not UTF-8: the text is read again in its legacy encoding."""
