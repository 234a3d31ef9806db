"""The API key store: keys are random and high-entropy, so a plain sha256 is a safe hash."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from modulardata.gateway.tables import ApiKey


def hash_key(key: str) -> str:
    """Hex sha256 of a key, as stored."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_id_for(key_hash: str) -> str:
    """The public id of a key: safe to log and to store as a session owner."""
    return f"key_{key_hash[:16]}"


async def register_api_key(engine: AsyncEngine, key: str, name: str) -> str:
    """Store a key unless it is already known; returns its id."""
    key_hash = hash_key(key)
    key_id = key_id_for(key_hash)
    statement = (
        insert(ApiKey)
        .values(key_id=key_id, key_hash=key_hash, name=name)
        .on_conflict_do_nothing(index_elements=["key_id"])
    )
    async with engine.begin() as conn:
        await conn.execute(statement)
    return key_id


async def create_api_key(engine: AsyncEngine, name: str) -> str:
    """Make, store and return a new random key; only its hash is kept."""
    key = secrets.token_urlsafe(32)
    await register_api_key(engine, key, name)
    return key


async def owner_of(engine: AsyncEngine, key: str) -> str | None:
    """The id of a known key, or None."""
    async with AsyncSession(engine) as session:
        result = await session.exec(select(ApiKey.key_id).where(ApiKey.key_hash == hash_key(key)))
        return result.first()
