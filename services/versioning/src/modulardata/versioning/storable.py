"""Values PostgreSQL cannot hold as text or jsonb: NUL characters and lone surrogates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def unstorable_texts(value: Any, path: str = "") -> Iterator[str]:
    """The paths (e.g. `payload.columns[2].name`) of strings in a JSON value that PostgreSQL
    refuses: one with a NUL character, or one that is not valid Unicode (a lone surrogate)."""
    if isinstance(value, str):
        if not _storable(value):
            yield path or "value"
    elif isinstance(value, dict):
        for key, item in value.items():
            name = str(key)
            where = f"{path}.{name}" if path else name
            if not _storable(name):
                yield f"{where} (a key)"
            yield from unstorable_texts(item, where)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from unstorable_texts(item, f"{path}[{index}]")


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
