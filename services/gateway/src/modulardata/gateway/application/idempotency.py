"""`Idempotency-Key` on every POST: which retries are the same request, and which answers are kept.

A retry with the same key, by the same API key, gets the first answer again (status, headers,
body) and is not carried out a second time. The same key with another request (method, path,
query or body) is refused. Only an answer that accepted something is kept: a 2xx, or a 503
`queue_unconfirmed` (its command may still arrive); after any other the key is free again, since
nothing was made.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from uuid import UUID

from python_multipart.multipart import parse_options_header

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
"""A UUID, a ULID, a client's own token...: any header value up to this length."""
UNCONFIRMED = "queue_unconfirmed"
_SESSION_PATH = re.compile(
    r"/v1/sessions/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/"
)


def well_formed(key: str) -> bool:
    """Whether a key may be used: 1 to `MAX_KEY_LENGTH` characters, no NUL."""
    return 0 < len(key) <= MAX_KEY_LENGTH and "\x00" not in key


@dataclass
class Answer:
    """A response as it is sent."""

    status: int = 500
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)

    def session_id(self, path: str) -> UUID | None:
        """The session the answer names (every 2xx of a POST does), or that of the path."""
        try:
            return UUID(json.loads(self.body)["session_id"])
        except (ValueError, KeyError, TypeError):
            match = _SESSION_PATH.match(path)
            return UUID(match[1]) if match else None

    def worth_keeping(self) -> bool:
        """Whether the request accepted something: a 2xx, or a command that may yet arrive."""
        if 200 <= self.status < 300:
            return True
        if self.status != 503:
            return False
        try:
            return bool(json.loads(self.body)["error"]["code"] == UNCONFIRMED)
        except (ValueError, KeyError, TypeError):
            return False


class Fingerprint:
    """sha256 of a request's method, path, query and body; a multipart body's boundary is
    blanked, since a client draws a new one for each try."""

    def __init__(self, method: str, path: str, query: bytes, content_type: str) -> None:
        self._hash = hashlib.sha256(b"%s %s?%s\n" % (method.encode(), path.encode(), query))
        _, options = parse_options_header(content_type)
        self._boundary: bytes = options.get(b"boundary", b"")
        self._pending = b""
        self.complete = False

    def feed(self, body: bytes, *, more: bool) -> None:
        """Hash a part of the request's body; `more` while other parts follow."""
        data = self._pending + body
        self.complete = not more
        if self._boundary:
            # NUL is no boundary character, so a blanked boundary cannot make a new one.
            data = data.replace(self._boundary, b"\0")
        # Held back until the next part: the start of a boundary this part may end with.
        held = 0 if self.complete else min(len(data), max(len(self._boundary) - 1, 0))
        self._pending = data[len(data) - held :]
        self._hash.update(data[: len(data) - len(self._pending)])

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
