"""Sealing event payloads with their session's key (AES-256-GCM), for crypto-shredding.

Every event of a session is stored sealed; deleting the session destroys its key, so its events
can no longer be read although the log itself is never changed. The event id is the associated
data: a sealed payload only opens as the event it was written for.
"""

from __future__ import annotations

import json
import os
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12  # the size GCM is specified for; random nonces are safe far beyond our volume


def new_key() -> bytes:
    """A fresh random 256-bit session key."""
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, payload: dict[str, Any], event_id: UUID) -> bytes:
    """The payload as JSON, encrypted and authenticated: nonce followed by ciphertext."""
    nonce = os.urandom(_NONCE_BYTES)
    plain = json.dumps(payload, separators=(",", ":")).encode()
    return nonce + AESGCM(key).encrypt(nonce, plain, event_id.bytes)


def unseal(key: bytes, sealed: bytes, event_id: UUID) -> dict[str, Any]:
    """The payload a `seal` made; `cryptography.exceptions.InvalidTag` if it was tampered with
    or belongs to another event or key."""
    nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    payload: dict[str, Any] = json.loads(AESGCM(key).decrypt(nonce, ciphertext, event_id.bytes))
    return payload
