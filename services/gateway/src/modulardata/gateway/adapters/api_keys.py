"""The API key store: keys are random and high-entropy, so a plain sha256 is a safe hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from modulardata.gateway.adapters.gateway_tables import ApiKey


class Scope(StrEnum):
    """What a key may do: `read` only reads, `read-write` may also change sessions."""

    READ = "read"
    READ_WRITE = "read-write"


@dataclass(frozen=True)
class Caller:
    """Who a presented key belongs to, and what it may do."""

    key_id: str
    scope: Scope
    revoked: bool

    @property
    def can_write(self) -> bool:
        """Whether the key may create, change or delete."""
        return self.scope is Scope.READ_WRITE


def hash_key(key: str) -> str:
    """Hex sha256 of a key, as stored."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_id_for(key_hash: str) -> str:
    """The public id of a key: safe to log and to store as a session owner."""
    return f"key_{key_hash[:16]}"


async def register_api_key(
    engine: AsyncEngine, key: str, name: str, scope: Scope = Scope.READ_WRITE
) -> str:
    """Store a key unless it is already known; returns its id."""
    key_hash = hash_key(key)
    key_id = key_id_for(key_hash)
    statement = (
        insert(ApiKey)
        .values(key_id=key_id, key_hash=key_hash, name=name, scope=scope.value)
        .on_conflict_do_nothing(index_elements=["key_id"])
    )
    async with engine.begin() as conn:
        await conn.execute(statement)
    return key_id


async def create_api_key(engine: AsyncEngine, name: str, scope: Scope = Scope.READ_WRITE) -> str:
    """Make, store and return a new random key; only its hash is kept."""
    key = secrets.token_urlsafe(32)
    await register_api_key(engine, key, name, scope)
    return key


async def list_api_keys(engine: AsyncEngine) -> list[ApiKey]:
    """Every key (its id, name, scope, dates; never the key), oldest first."""
    async with AsyncSession(engine) as session:
        statement = select(ApiKey).order_by(col(ApiKey.created_at), col(ApiKey.key_id))
        return list(await session.exec(statement))


async def revoke_api_key(engine: AsyncEngine, key_id: str) -> bool:
    """Revoke a key for good (a second revocation keeps the first date); False if unknown."""
    statement = (
        update(ApiKey)
        .where(col(ApiKey.key_id) == key_id)
        .values(revoked_at=func.coalesce(col(ApiKey.revoked_at), func.now()))
    )
    async with engine.begin() as conn:
        return bool((await conn.execute(statement)).rowcount)


async def caller_of(engine: AsyncEngine, key: str) -> Caller | None:
    """The key's owner id, scope and revocation, or None for an unknown key."""
    async with AsyncSession(engine) as session:
        statement = select(ApiKey.key_id, ApiKey.scope, ApiKey.revoked_at).where(
            ApiKey.key_hash == hash_key(key)
        )
        row = (await session.exec(statement)).first()
    if row is None:
        return None
    key_id, scope, revoked_at = row
    return Caller(key_id=key_id, scope=Scope(scope), revoked=revoked_at is not None)
