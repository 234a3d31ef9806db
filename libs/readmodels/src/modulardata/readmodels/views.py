"""Read models projected from the event log: what the gateway serves. Never written elsewhere."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Column, DateTime, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


def _utc_column(**kwargs: Any) -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), **kwargs))


class SessionView(SQLModel, table=True):
    """One row per session, with its owner and head pointer."""

    __tablename__ = "sessions"

    session_id: UUID = Field(primary_key=True)
    owner: str = Field(index=True)
    name: str | None = None
    head_node_id: UUID | None = None
    created_at: datetime = _utc_column(nullable=False)
    updated_at: datetime = _utc_column(nullable=False)


class NodeView(SQLModel, table=True):
    """One row per dataset version: the session's version tree."""

    __tablename__ = "nodes"

    node_id: UUID = Field(primary_key=True)
    session_id: UUID = Field(index=True)
    parent_id: UUID | None = None
    storage_uri: str
    content_hash: str
    row_count: int
    column_count: int
    columns: list[dict[str, str]] = Field(sa_column=Column(JSONB, nullable=False))
    created_by_message_id: UUID | None = None
    description: str
    created_at: datetime = _utc_column(nullable=False)
    position: int = Field(description="Log position of the VersionCommitted event.")
    profile_uri: str | None = Field(
        default=None, description="Storage URI of the version's profile, once profiled."
    )
    plan: dict[str, Any] | None = Field(
        default=None,
        sa_column=Column(JSONB, nullable=True),
        description="The Plan (as JSON) that made it from its parent; None for uploads.",
    )
    task_id: UUID | None = Field(default=None, description="The task that made it.")
    code: str | None = Field(
        default=None,
        sa_column=Column(Text, nullable=True),
        description="The code that ran to make it; None for uploads.",
    )
    filename: str | None = Field(
        default=None,
        sa_column=Column(Text, nullable=True),
        description="For an upload: the file's name.",
    )


class ChatLogView(SQLModel, table=True):
    """One row per chat message, in conversation order."""

    __tablename__ = "chat_logs"

    chat_message_id: UUID = Field(primary_key=True)
    session_id: UUID = Field(index=True)
    role: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    node_id: UUID | None = None
    task_id: UUID | None = None
    created_at: datetime = _utc_column(nullable=False)
    position: int


class TaskView(SQLModel, table=True):
    """One row per task that reached the log: its status, stage, history and result."""

    __tablename__ = "tasks"

    task_id: UUID = Field(primary_key=True)
    session_id: UUID = Field(index=True)
    status: str = Field(description="queued | running | succeeded | failed | needs_input")
    stage: str
    node_id: UUID | None = None
    error_code: str | None = None
    error: str | None = None
    plan: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    code: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    explanation: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    summary: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    reply: str | None = Field(
        default=None,
        sa_column=Column(Text, nullable=True),
        description="The assistant's answer in the conversation, for a chat task.",
    )
    question: str | None = Field(
        default=None, sa_column=Column(Text, nullable=True), description="For needs_input."
    )
    events: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = _utc_column(nullable=False)
    updated_at: datetime = _utc_column(nullable=False)


class ProjectionCheckpoint(SQLModel, table=True):
    """How far in the log a projection has applied; written in the same transaction as views."""

    __tablename__ = "projection_checkpoints"

    name: str = Field(primary_key=True)
    position: int


class SkippedEventView(SQLModel, table=True):
    """An event the read models could not take (a value the database refuses), left out of
    them so the projection goes on; kept for an operator, in the log's order."""

    __tablename__ = "skipped_events"

    position: int = Field(primary_key=True, description="The event's position in the log.")
    session_id: UUID = Field(index=True)
    event_type: str
    reason: str = Field(description="The database's error class and first line.")
    skipped_at: datetime = _utc_column(nullable=False)


READ_MODELS = (SessionView, NodeView, ChatLogView, TaskView, SkippedEventView)

GATEWAY_SESSION_TABLES = ("accepted_sessions", "accepted_tasks", "idempotent_requests")
"""The gateway's tables of session data next to the read models (each with a `session_id`):
deleting a session purges them with the read models."""
