"""Text that every part of the stack can store: no NUL, no lone surrogate, a bounded length.

PostgreSQL refuses NUL in `text` and `jsonb`, and a lone surrogate has no UTF-8 form, so a
string holding either, accepted by one service, fails in the next one for ever. Every string
field of a command, an event, an operation and a request body is one of these types:

- the strict ones (`Label`, `Name`, `ColumnName`, `FileName`, `Uri`, `ChatText`, `Prose`,
  `Code`) refuse such text, so it is turned away where it enters (the gateway answers 422
  naming the field);
- `Report`, for what a service writes itself (errors, questions, replies) and which may quote
  user data, spells the unstorable characters out as escapes and cuts the text to length: a
  service's own message never fails for what it quotes.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from modulardata.contracts.limits import COLUMN_NAME_CHARS

LABEL_CHARS = 200
"""Identifiers and short words: key ids, stages, codes, Arrow types, hashes."""
NAME_CHARS = 200
"""Display names, such as a session's."""
FILE_NAME_CHARS = 255
"""An uploaded file's base name (the longest most file systems take)."""
URI_CHARS = 4096
"""A storage URI."""
CHAT_CHARS = 4000
"""A user's chat message."""
PROSE_CHARS = 10_000
"""Sentences: descriptions, and the values and patterns of operations."""
CODE_CHARS = 20_000
"""A pandas snippet."""
REPORT_CHARS = 10_000
"""A service's own message; longer ones are cut."""

_ELLIPSIS = "…"


def unstorable(text: str) -> str | None:
    """What in `text` no store takes (a NUL, a lone surrogate), in words; None if nothing."""
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (not valid Unicode)"
    return None


def _storable(text: str) -> str:
    problem = unstorable(text)
    if problem is not None:
        raise ValueError(f"text {problem}")
    return text


def escaped(text: str, max_chars: int = REPORT_CHARS) -> str:
    """`text` made storable: NUL and lone surrogates spelled out as escapes, cut to length."""
    safe = text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    return safe if len(safe) <= max_chars else safe[: max_chars - 1] + _ELLIPSIS


def _escaped_report(value: object) -> object:
    return escaped(value) if isinstance(value, str) else value


NO_NUL_PATTERN = "^[^\\u0000]*$"
"""The JSON Schema pattern of text without NUL."""


class _Storable(AfterValidator):
    """Refuses text holding a NUL or a lone surrogate; says so in the JSON Schema, as a pattern
    (a lone surrogate has no UTF-8 form, so a JSON document cannot carry one as such)."""

    def __init__(self) -> None:
        super().__init__(_storable)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), "pattern": NO_NUL_PATTERN}


STORABLE = _Storable()

Label = Annotated[str, StringConstraints(max_length=LABEL_CHARS), STORABLE]
Name = Annotated[str, StringConstraints(max_length=NAME_CHARS), STORABLE]
ColumnName = Annotated[str, StringConstraints(max_length=COLUMN_NAME_CHARS), STORABLE]
NewColumnName = Annotated[
    str, StringConstraints(min_length=1, max_length=COLUMN_NAME_CHARS), STORABLE
]
"""The name of a column an operation makes: never empty."""
FileName = Annotated[str, StringConstraints(max_length=FILE_NAME_CHARS), STORABLE]
Uri = Annotated[str, StringConstraints(max_length=URI_CHARS), STORABLE]
ChatText = Annotated[str, StringConstraints(min_length=1, max_length=CHAT_CHARS), STORABLE]
Prose = Annotated[str, StringConstraints(max_length=PROSE_CHARS), STORABLE]
Code = Annotated[str, StringConstraints(max_length=CODE_CHARS), STORABLE]
Report = Annotated[str, BeforeValidator(_escaped_report)]
"""Escaped and cut by `escaped`, never refused."""
