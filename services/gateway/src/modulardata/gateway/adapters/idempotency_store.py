"""The requests sent with an `Idempotency-Key`, in the gateway's database: claimed while they
run, then their answers until these expire."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

from sqlalchemy import ColumnElement, and_, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.gateway.adapters.gateway_tables import IdempotentRequest

_TABLE = IdempotentRequest.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Held:
    """The request that holds a key: still running (`status` None), or answered."""

    fingerprint: str | None
    status: int | None
    headers: list[list[str]] = field(default_factory=list)
    body: bytes = b""


class IdempotentRequests:
    """The keys in the database, per owner."""

    def __init__(self, engine: AsyncEngine, *, ttl_s: int, lease_s: int) -> None:
        self._engine = engine
        self._ttl = timedelta(seconds=ttl_s)
        self._lease = timedelta(seconds=lease_s)

    async def claim(self, owner: str, key: str) -> Held | None:
        """Claim `key` for a request about to run: None when claimed, else what holds it. A
        claim older than the lease (its gateway died mid-request) is taken over; expired keys
        of every owner are dropped on the way."""
        row = _TABLE.c
        statement = (
            insert(_TABLE)
            .values(owner=owner, key=key)
            .on_conflict_do_update(
                index_elements=[row.owner, row.key],
                set_={"created_at": func.now()},
                where=row.status.is_(None) & (row.created_at < func.now() - self._lease),
            )
            .returning(row.owner)
        )
        async with self._engine.begin() as conn:
            await conn.execute(delete(_TABLE).where(row.created_at < func.now() - self._ttl))
            if (await conn.execute(statement)).first() is not None:
                return None
            held = (await conn.execute(select(_TABLE).where(_the(owner, key)))).one()
        return Held(held.fingerprint, held.status, held.headers or [], held.body or b"")

    async def keep(
        self,
        owner: str,
        key: str,
        fingerprint: str,
        *,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        session_id: UUID | None,
    ) -> None:
        """Keep the answer of the request that claimed `key` (purged with `session_id`)."""
        values = {
            "session_id": session_id,
            "fingerprint": fingerprint,
            "status": status,
            "headers": [
                [name.decode("latin-1"), value.decode("latin-1")] for name, value in headers
            ],
            "body": body,
        }
        async with self._engine.begin() as conn:
            await conn.execute(update(_TABLE).where(_the(owner, key)).values(**values))

    async def release(self, owner: str, key: str) -> None:
        """Free `key` after its request accepted nothing."""
        async with self._engine.begin() as conn:
            await conn.execute(delete(_TABLE).where(_the(owner, key), _TABLE.c.status.is_(None)))


def _the(owner: str, key: str) -> ColumnElement[bool]:
    return and_(_TABLE.c.owner == owner, _TABLE.c.key == key)
