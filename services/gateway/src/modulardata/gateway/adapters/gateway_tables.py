"""Tables the gateway owns (its API keys, the sessions and tasks it accepted, the answers kept for
idempotency keys), next to the read models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Column, DateTime, LargeBinary, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


def _now() -> datetime:
    return datetime.now(UTC)


def _utc_column(*, index: bool = False) -> Any:
    column = Column(DateTime(timezone=True), nullable=False, server_default=func.now(), index=index)
    return Field(default_factory=_now, sa_column=column)


class ApiKey(SQLModel, table=True):
    """One API key, stored only as its hash; `key_id` is the owner of the key's sessions."""

    __tablename__ = "api_keys"

    key_id: str = Field(primary_key=True)
    key_hash: str = Field(unique=True)
    name: str
    created_at: datetime = _utc_column()
    scope: str = Field(
        default="read-write",
        sa_column=Column(Text, nullable=False, server_default="read-write"),
        description="read | read-write",
    )
    revoked_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=True),
        description="When the key was revoked; a revoked key authenticates nothing.",
    )


class AcceptedSession(SQLModel, table=True):
    """A session the gateway accepted and handed to Kafka: the API serves it from then on, before
    versioning has projected it, and dates it from then."""

    __tablename__ = "accepted_sessions"

    session_id: UUID = Field(primary_key=True)
    owner: str = Field(index=True)
    name: str | None = None
    created_at: datetime = _utc_column()


class AcceptedTask(SQLModel, table=True):
    """A task the gateway accepted and handed to Kafka, before any service reports on it."""

    __tablename__ = "accepted_tasks"

    task_id: UUID = Field(primary_key=True)
    session_id: UUID = Field(index=True)
    owner: str = Field(index=True)
    kind: str
    filename: str | None = None
    created_at: datetime = _utc_column()


class IdempotentRequest(SQLModel, table=True):
    """A POST sent with an `Idempotency-Key`: claimed while it runs (no `status` yet), then the
    answer replayed to its retries until it expires, or until the session it names is deleted
    (the answer carries the session's data)."""

    __tablename__ = "idempotent_requests"

    owner: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    fingerprint: str | None = Field(default=None, description="sha256 of the request")
    status: int | None = None
    headers: list[list[str]] | None = Field(default=None, sa_column=Column(JSONB))
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    session_id: UUID | None = Field(default=None, index=True)
    created_at: datetime = _utc_column(index=True)
