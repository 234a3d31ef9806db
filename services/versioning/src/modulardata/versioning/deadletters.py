"""The `dead_letters` table: every message a consumer gave up on, kept for the operators.

Versioning stores each `MessageDeadLettered` from the dead-letter topic once (by its message
id); `modulardata-admin dead-letters` lists, shows and replays them. A deleted session's dead
letters go with it: their bodies hold its data.
"""

from __future__ import annotations

import base64
from datetime import datetime
from uuid import UUID

from sqlalchemy import Column, DateTime, LargeBinary, Text, delete, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import Field, SQLModel, col, select

from modulardata.contracts.deadletters import MessageDeadLettered


class DeadLetter(SQLModel, table=True):
    """One message a consumer gave up on: where it was, why, and its body."""

    __tablename__ = "dead_letters"

    dead_letter_id: UUID = Field(primary_key=True, description="The dead letter's message id.")
    dead_lettered_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    topic: str = Field(description="Topic the message was read from (with the deployment prefix).")
    kafka_partition: int
    kafka_offset: int
    group_id: str = Field(description="Consumer group that gave up on it.")
    original_type: str | None = None
    original_message_id: UUID | None = None
    session_id: UUID | None = Field(default=None, index=True)
    task_id: UUID | None = None
    code: str = Field(description="undecodable | handler_failed | retry_budget_exhausted")
    reason: str = Field(sa_column=Column(Text, nullable=False))
    attempts: int
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    body_truncated: bool
    replayed_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=True),
        description="When an operator last sent it again to its topic.",
    )


async def record(
    conn: AsyncConnection, dead_letter_id: UUID, at: datetime, dead: MessageDeadLettered
) -> bool:
    """Store a dead letter; False when it was stored already (a repeat)."""
    values = dead.model_dump(exclude={"partition", "offset", "body_base64"})
    result = await conn.execute(
        insert(DeadLetter)
        .values(
            dead_letter_id=dead_letter_id,
            dead_lettered_at=at,
            kafka_partition=dead.partition,
            kafka_offset=dead.offset,
            body=base64.b64decode(dead.body_base64),
            **values,
        )
        .on_conflict_do_nothing()
        .returning(col(DeadLetter.dead_letter_id))
    )
    # A row comes back only when one was inserted (the rowcount of this insert is unknown, -1).
    return result.first() is not None


async def purge_session(conn: AsyncConnection, session_id: UUID) -> None:
    """Remove every dead letter of a session."""
    await conn.execute(delete(DeadLetter).where(col(DeadLetter.session_id) == session_id))


async def latest(conn: AsyncConnection, limit: int) -> list[DeadLetter]:
    """The most recent dead letters, newest first."""
    statement = select(DeadLetter).order_by(col(DeadLetter.dead_lettered_at).desc()).limit(limit)
    return [DeadLetter.model_validate(row) for row in (await conn.execute(statement)).mappings()]


async def find(conn: AsyncConnection, dead_letter_id: UUID) -> DeadLetter | None:
    """One dead letter, if it exists."""
    statement = select(DeadLetter).where(col(DeadLetter.dead_letter_id) == dead_letter_id)
    row = (await conn.execute(statement)).mappings().first()
    return None if row is None else DeadLetter.model_validate(row)


async def mark_replayed(conn: AsyncConnection, dead_letter_id: UUID) -> None:
    """Record that the dead letter was sent again just now."""
    await conn.execute(
        update(DeadLetter)
        .where(col(DeadLetter.dead_letter_id) == dead_letter_id)
        .values(replayed_at=func.now())
    )
