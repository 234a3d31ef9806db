"""Hypothesis strategies for hostile Kafka records: a valid envelope of a message with some of
its values replaced by what breaks stores and parsers, raw bytes, and JSON of the wrong shape.

Values are drawn by the JSON type of what they replace, so every field of every message (and
of the values nested in it) is reached without naming any: strings get NUL, lone surrogates,
control and format characters, huge lengths; integers the edges of 32 and 64 bits and beyond;
anything may get a value of the wrong type, or go missing.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from uuid import UUID

from hypothesis import strategies as st

from modulardata.contracts.base import Message, registered_types
from modulardata.contracts.envelope import Envelope

HUGE = 250_000
"""Characters of a huge string: three of them still fit in one Kafka record."""

Path = tuple[str | int, ...]

ODD_TEXT = (
    "\x00",
    "name\x00with a NUL",
    "\ud800",
    "lone \udfff surrogate",
    "\ufeff\u200b\u200d\u2060",  # BOM, zero-width space / joiner, word joiner
    "\u202eevil\u202c",  # right-to-left override
    "e" + "\u0301" * 500,  # one letter, five hundred accents
    "\U0001f4a9\U0001f3f3\ufe0f\u200d\U0001f308",
    "\uffff\ufffe\U0010ffff",  # non-characters
    "\r\n\t\x1b[31m\x7f\x85",
    "\u2028\u2029",
    "'; DROP TABLE sessions; --",
    '{"$ne": null}',
    "%s%s%n{0}",
    "",
    " ",
)

hostile_text = st.one_of(
    st.sampled_from(ODD_TEXT),
    st.text(
        st.characters(categories=("Cc", "Cs", "Cf", "Co", "Cn", "Mn", "Zl", "Zp")), max_size=40
    ),
    st.sampled_from(ODD_TEXT).map(lambda tail: "x" * HUGE + tail),
)

hostile_number = st.sampled_from(
    [-1, 0, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**100]
) | st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e308, -0.0, 5e-324])

wrong_shape: st.SearchStrategy[Any] = st.sampled_from(
    [None, True, [], {}, [None], {"": None}, "0", 0, [[[[[[[[[[]]]]]]]]]]]
)

_REMOVED = object()
"""Marks a value taken out of its object (a missing field)."""


def _leaves(value: Any, path: Path = ()) -> list[Path]:
    """Every path into a JSON document, its containers included."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _leaves(item, (*path, index))
    return found


def _at(document: Any, path: Path) -> Any:
    for step in path:
        document = document[step]
    return document


def _replacement(current: Any) -> st.SearchStrategy[Any]:
    """What may stand where `current` stood: hostile values of its JSON type, or no value."""
    if isinstance(current, bool):
        like: st.SearchStrategy[Any] = hostile_number
    elif isinstance(current, str):
        like = hostile_text
    elif isinstance(current, int | float):
        like = hostile_number
    elif isinstance(current, list) and current:
        # Many copies of its first item, within a record's size.
        size = max(1, len(json.dumps(current[0])))
        like = st.just([current[0]] * max(2, min(10_000, 200_000 // size)))
    else:
        like = hostile_text | hostile_number
    return st.one_of(like, like, like, like, wrong_shape, st.just(_REMOVED))


def _replaced(document: Any, path: Path, value: Any) -> None:
    parent = _at(document, path[:-1])
    if value is _REMOVED and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = None if value is _REMOVED else value


def envelope_document(message: Message, session_id: UUID, task_id: UUID) -> Any:
    """The JSON document of `message`'s envelope, as a producer sends it."""
    envelope = Envelope.wrap(message, session_id=session_id, correlation_id=task_id)
    return json.loads(envelope.model_dump_json())


@st.composite
def with_hostile_values(draw: st.DrawFn, document: Any, under: Path = ()) -> Any:
    """`document` (a JSON object) with one to three of the values under `under` made hostile."""
    document = copy.deepcopy(document)
    paths = _leaves(_at(document, under), under)
    chosen = draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3, unique=True))
    # Deepest first, so an earlier replacement never removes the parent of a later one.
    for path in sorted(chosen, key=len, reverse=True):
        _replaced(document, path, draw(_replacement(_at(document, path))))
    return document


def decodes(document: Any) -> bool:
    """True when a consumer reads `document` as a message of its type."""
    try:
        Envelope.model_validate(document).open()
    except ValueError:  # pydantic's ValidationError and UnknownMessageType among them
        return False
    return True


@st.composite
def with_hostile_text(draw: st.DrawFn, document: Any, under: Path = ()) -> Any:
    """`document` (a JSON object) with hostile text in every string under `under` that takes it
    and still decodes (free text, names, URIs, codes): what reaches a handler, not a parser."""
    document = copy.deepcopy(document)
    for path in _leaves(_at(document, under), under):
        current = _at(document, path)
        if isinstance(current, str):
            _replaced(document, path, draw(hostile_text))
            if not decodes(document) or len(json.dumps(document)) > 2 * HUGE:
                _replaced(document, path, current)
    return document


def encoded(document: Any, *, ascii_only: bool) -> bytes:
    """JSON bytes as a careless producer writes them: escaped, or raw with surrogates as is
    (invalid UTF-8); NaN and infinities as JavaScript spells them."""
    return json.dumps(document, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def broken_records(document: Any) -> st.SearchStrategy[bytes]:
    """Records that are no valid envelope: bytes, other JSON, a valid record cut short, hostile
    metadata, a payload under another message's type."""
    valid = encoded(document, ascii_only=True)
    retyped = st.sampled_from(sorted(registered_types())).map(lambda t: {**document, "type": t})
    metadata = {k: v for k, v in document.items() if k != "payload"}
    return st.one_of(
        st.builds(dict, with_hostile_values(metadata), payload=st.just(document["payload"])).map(
            lambda d: encoded(d, ascii_only=True)
        ),
        retyped.map(lambda d: encoded(d, ascii_only=True)),
        st.binary(max_size=200),
        st.sampled_from([b"", b"\xff\xfe\xfd", b"null", b"[]", b'"x"', b"1e999", b"{"]),
        st.just(b"[" * 100_000 + b"]" * 100_000),
        st.just(b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
        st.integers(1, len(valid) - 1).map(lambda cut: valid[:cut]),
        st.just(valid.replace(b'"payload":{', b'"payload":[{', 1)),
    )
