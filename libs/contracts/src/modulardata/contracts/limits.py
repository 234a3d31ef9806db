"""The one set of limits a dataset is held to, by the gateway at upload and by the profiler and
the executor after it, so that nothing accepted at the door fails later for its size.

Read from `MODULARDATA_LIMIT_*`; every service reads the same variables.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LimitName = Literal["upload_bytes", "decompressed_bytes", "rows", "columns", "cell_bytes"]

LimitCode = Literal[
    "upload_too_large",
    "decompressed_too_large",
    "too_many_rows",
    "too_many_columns",
    "cell_too_large",
]

_CODES: dict[LimitName, LimitCode] = {
    "upload_bytes": "upload_too_large",
    "decompressed_bytes": "decompressed_too_large",
    "rows": "too_many_rows",
    "columns": "too_many_columns",
    "cell_bytes": "cell_too_large",
}
_UNITS: dict[LimitName, str] = {
    "upload_bytes": "bytes",
    "decompressed_bytes": "bytes",
    "rows": "rows",
    "columns": "columns",
    "cell_bytes": "bytes",
}
ENV_PREFIX = "MODULARDATA_LIMIT_"

COLUMN_NAME_CHARS = 200
"""Longest column name. A version's column list travels in one message (and one row of the
read models): at the default 1,000 columns, names of 200 characters, even of 4 UTF-8 bytes
each, keep it under Kafka's 1 MiB. Longer names are cut when a file is read."""


class LimitExceeded(Exception):
    """Input over a limit; `code` is machine-readable, `message` names the limit and its value."""

    def __init__(self, code: LimitCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class DatasetLimits(BaseSettings):
    """The most one dataset may hold, as uploaded and as transformed."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore")

    upload_bytes: int = Field(
        default=200 * 1024 * 1024, ge=1, description="Largest upload, in bytes as sent."
    )
    decompressed_bytes: int = Field(
        default=1024 * 1024 * 1024,
        ge=1,
        description="Most bytes a compressed upload (gzip, zip, xlsx) may expand to.",
    )
    rows: int = Field(default=10_000_000, ge=1, description="Most data rows of a dataset.")
    columns: int = Field(default=1_000, ge=1, description="Most columns of a dataset.")
    cell_bytes: int = Field(
        default=256 * 1024, ge=1, description="Largest single value, in bytes of UTF-8."
    )

    def check(self, name: LimitName, count: int, subject: str) -> None:
        """Raise `LimitExceeded` if `count` is over the limit `name`; `subject` says what was
        counted, e.g. "the header has 1,204 columns"."""
        value: int = getattr(self, name)
        if count > value:
            setting = f"{ENV_PREFIX}{name.upper()}"
            raise LimitExceeded(
                _CODES[name], f"{subject}, over the limit of {value:,} {_UNITS[name]} ({setting})"
            )
