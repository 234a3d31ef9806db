"""Reading the API key from an `Authorization: Bearer <key>` header (RFC 6750)."""

from __future__ import annotations

import re

from modulardata.gateway.exceptions import Unauthorized

# RFC 6750 b64token, with a length cap so nobody makes us hash megabytes.
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]{1,512}=*")


def bearer_token(authorization: str | None) -> str:
    """The key in an Authorization header value; Unauthorized when missing or malformed."""
    if not authorization:
        raise Unauthorized("missing Authorization header (expected 'Bearer <api key>')")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not _TOKEN.fullmatch(token):
        raise Unauthorized("malformed Authorization header (expected 'Bearer <api key>')")
    return token
