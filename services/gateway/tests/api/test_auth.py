"""Reading the API key from the Authorization header."""

from __future__ import annotations

import pytest

from modulardata.gateway.adapters.api_keys import hash_key, key_id_for
from modulardata.gateway.api.auth import bearer_token
from modulardata.gateway.exceptions import Unauthorized


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Bearer abc-DEF_123", "abc-DEF_123"),
        ("bearer abc", "abc"),
        ("BEARER a.b~c+d/e==", "a.b~c+d/e=="),
    ],
)
def test_a_bearer_header_gives_its_key(header: str, key: str) -> None:
    assert bearer_token(header) == key


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "abc",
        "Bearer",
        "Bearer ",
        "Bearer  abc",
        "Bearer abc def",
        "Basic dXNlcjpwYXNz",
        "Token abc",
        "Bearer ab\tc",
        "Bearer ab=c",
        "Bearer " + "a" * 513,
    ],
)
def test_a_missing_or_malformed_header_is_unauthorized(header: str | None) -> None:
    with pytest.raises(Unauthorized):
        bearer_token(header)


def test_a_key_id_is_derived_from_the_hash_and_reveals_nothing_else() -> None:
    key_hash = hash_key("secret-key")
    assert len(key_hash) == 64
    assert key_id_for(key_hash) == "key_" + key_hash[:16]
    assert "secret" not in key_id_for(key_hash)
