"""The per-session sealing keys: made on a session's first event, destroyed when it is deleted.

A destroyed key stays as a row without key material, so the session is known to be deleted
and nothing can be sealed for it again.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from modulardata.versioning.exceptions import SessionShredded
from modulardata.versioning.sealing import new_key

_KEY = text("SELECT key FROM session_keys WHERE session_id = :s")


async def sealing_key(conn: AsyncConnection, session_id: UUID) -> bytes:
    """The session's key, made if it has none yet; SessionShredded once it is destroyed."""
    row = (await conn.execute(_KEY, {"s": session_id})).first()
    if row is None:
        await conn.execute(
            text(
                "INSERT INTO session_keys (session_id, key) VALUES (:s, :k)"
                " ON CONFLICT (session_id) DO NOTHING"
            ),
            {"s": session_id, "k": new_key()},
        )
        row = (await conn.execute(_KEY, {"s": session_id})).one()
    key: bytes | None = row.key
    if key is None:
        raise SessionShredded(session_id)
    return key


async def is_shredded(conn: AsyncConnection, session_id: UUID) -> bool:
    """Whether the session's key has been destroyed (it was deleted)."""
    result = await conn.execute(
        text("SELECT shredded_at IS NOT NULL FROM session_keys WHERE session_id = :s"),
        {"s": session_id},
    )
    return bool(result.scalar())


async def shred(conn: AsyncConnection, session_id: UUID) -> None:
    """Destroy the session's key for good (also for a session that never had one)."""
    await conn.execute(
        text(
            "INSERT INTO session_keys (session_id, key, shredded_at) VALUES (:s, NULL, now())"
            " ON CONFLICT (session_id) DO UPDATE"
            " SET key = NULL, shredded_at = coalesce(session_keys.shredded_at, now())"
        ),
        {"s": session_id},
    )
