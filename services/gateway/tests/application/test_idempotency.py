"""Which retries are the same request, and which answers are worth keeping for them."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest

from modulardata.gateway.application.idempotency import (
    MAX_KEY_LENGTH,
    Answer,
    Fingerprint,
    well_formed,
)


def multipart(boundary: str, content: bytes) -> bytes:
    return (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )


def digest(boundary: str, content: bytes, split: int, path: str = "/v1/sessions") -> str:
    fingerprint = Fingerprint("POST", path, b"", f"multipart/form-data; boundary={boundary}")
    body = multipart(boundary, content)
    fingerprint.feed(body[:split], more=True)
    fingerprint.feed(body[split:], more=False)
    assert fingerprint.complete
    return fingerprint.hexdigest()


def test_a_retry_with_a_new_boundary_is_the_same_request_however_its_body_is_cut() -> None:
    first = digest("boundary-one", b"a,b\n1,2\n", split=7)
    for split in range(len(multipart("another-boundary", b"a,b\n1,2\n")) + 1):
        assert digest("another-boundary", b"a,b\n1,2\n", split) == first


@pytest.mark.parametrize(
    "other",
    [
        {"content": b"a,b\n1,3\n"},
        {"path": "/v1/sessions/other"},
    ],
)
def test_another_body_or_path_is_another_request(other: dict[str, object]) -> None:
    first = digest("boundary-one", b"a,b\n1,2\n", split=5)
    content = other.get("content", b"a,b\n1,2\n")
    path = other.get("path", "/v1/sessions")
    assert isinstance(content, bytes) and isinstance(path, str)
    assert digest("boundary-one", content, split=5, path=path) != first


@pytest.mark.parametrize(
    ("status", "body", "kept"),
    [
        (201, b'{"session_id": "x"}', True),
        (202, b"{}", True),
        (409, b'{"error": {"code": "no_dataset"}}', False),
        (503, b'{"error": {"code": "queue_unconfirmed"}}', True),
        (503, b'{"error": {"code": "queue_unavailable"}}', False),
        (503, b"not json", False),
        (500, b"", False),
    ],
)
def test_only_an_answer_that_accepted_something_is_kept(
    status: int, body: bytes, kept: bool
) -> None:
    assert Answer(status, body=bytearray(body)).worth_keeping() is kept


def test_an_answer_names_its_session_or_that_of_its_path() -> None:
    named, in_path = uuid4(), uuid4()
    body = bytearray(json.dumps({"session_id": str(named)}).encode())
    assert Answer(201, body=body).session_id(f"/v1/sessions/{in_path}/messages") == named
    refusal = bytearray(b'{"error": {"code": "queue_unconfirmed"}}')
    assert Answer(503, body=refusal).session_id(f"/v1/sessions/{in_path}/messages") == in_path
    assert Answer(503, body=refusal).session_id("/v1/sessions") is None


@pytest.mark.parametrize(
    ("key", "ok"),
    [("k", True), ("x" * MAX_KEY_LENGTH, True), ("", False), ("x" * 256, False), ("a\x00b", False)],
)
def test_a_key_is_one_to_255_characters_without_nul(key: str, ok: bool) -> None:
    assert well_formed(key) is ok
