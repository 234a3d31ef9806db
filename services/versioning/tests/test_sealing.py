"""Sealed payloads open only with their key, as the event they were sealed for."""

from __future__ import annotations

from uuid import uuid4

import pytest
from cryptography.exceptions import InvalidTag

from modulardata.versioning.sealing import new_key, seal, unseal

PAYLOAD = {"session_id": "s", "text": "drop rows where name is 'Zoë'", "n": [1, None]}


def test_a_sealed_payload_opens_as_it_was_and_hides_its_text() -> None:
    key, event_id = new_key(), uuid4()
    sealed = seal(key, PAYLOAD, event_id)
    assert unseal(key, sealed, event_id) == PAYLOAD
    assert b"drop rows" not in sealed
    assert seal(key, PAYLOAD, event_id) != sealed  # a fresh nonce every time


def test_another_key_or_another_event_cannot_open_it() -> None:
    key, event_id = new_key(), uuid4()
    sealed = seal(key, PAYLOAD, event_id)
    with pytest.raises(InvalidTag):
        unseal(new_key(), sealed, event_id)
    with pytest.raises(InvalidTag):
        unseal(key, sealed, uuid4())
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(InvalidTag):
        unseal(key, tampered, event_id)
