"""Every table the services made by hand before migrations, as they last made them.

Revision ID: c8037e73c0f1
Revises:
Create Date: 2026-12-04 20:21:02.225399

Databases those hand-written creators made already hold some or all of it: every step here
leaves what exists alone, and adds the columns (and the index) that older ones lack.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "c8037e73c0f1"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now() -> sa.TextClause:
    return sa.text("now()")


def _added_later() -> dict[str, list[sa.Column[Any]]]:
    """Columns added after their table's first release; made anew on each call, since a column
    joins one table only (the table made whole, or the older one it is added to)."""
    return {
        "events": [sa.Column("sealed", sa.LargeBinary())],  # payloads sealed per session
        "nodes": [
            sa.Column("profile_uri", sa.String()),
            sa.Column("plan", JSONB()),
            sa.Column("task_id", sa.Uuid()),
        ],
        "chat_logs": [sa.Column("task_id", sa.Uuid())],
        "tasks": [
            sa.Column("plan", JSONB()),
            sa.Column("code", sa.Text()),
            sa.Column("explanation", sa.Text()),
            sa.Column("summary", JSONB()),
            sa.Column("reply", sa.Text()),
            sa.Column("question", sa.Text()),
        ],
        "api_keys": [
            sa.Column("scope", sa.Text(), nullable=False, server_default="read-write"),
            sa.Column("revoked_at", sa.DateTime(timezone=True)),
        ],
        "idempotent_requests": [sa.Column("session_id", sa.Uuid())],
    }


def _event_log() -> None:
    op.create_table(
        "events",
        sa.Column("position", sa.BigInteger(), primary_key=True),
        sa.Column("stream_id", sa.Text(), nullable=False),
        sa.Column("stream_version", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False, unique=True),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("payload", JSONB(), nullable=False),
        sa.Column("metadata", JSONB(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        *_added_later()["events"],
        sa.CheckConstraint("stream_version >= 1"),
        sa.UniqueConstraint("stream_id", "stream_version"),
        if_not_exists=True,
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION events_are_append_only() RETURNS trigger AS $$\n"
        "    BEGIN\n"
        "        RAISE EXCEPTION 'the event log is append-only';\n"
        "    END $$ LANGUAGE plpgsql"
    )
    op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
    op.execute(
        "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events"
        " FOR EACH ROW EXECUTE FUNCTION events_are_append_only()"
    )
    op.create_table(
        "session_keys",
        sa.Column("session_id", sa.Uuid(), primary_key=True),
        sa.Column("key", sa.LargeBinary()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("shredded_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("(key IS NULL) = (shredded_at IS NOT NULL)"),
        if_not_exists=True,
    )
    op.create_table(
        "processed_messages",
        sa.Column("consumer", sa.Text(), primary_key=True),
        sa.Column("message_id", sa.Uuid(), primary_key=True),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()
        ),
        if_not_exists=True,
    )
    op.create_table(
        "relay_checkpoints",
        sa.Column("name", sa.Text(), primary_key=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "dead_letters",
        sa.Column("dead_letter_id", sa.Uuid(), primary_key=True),
        sa.Column("dead_lettered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("kafka_partition", sa.Integer(), nullable=False),
        sa.Column("kafka_offset", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.String(), nullable=False),
        sa.Column("original_type", sa.String()),
        sa.Column("original_message_id", sa.Uuid()),
        sa.Column("session_id", sa.Uuid()),
        sa.Column("task_id", sa.Uuid()),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("body_truncated", sa.Boolean(), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True)),
        if_not_exists=True,
    )


def _read_models() -> None:
    op.create_table(
        "sessions",
        sa.Column("session_id", sa.Uuid(), primary_key=True),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("name", sa.String()),
        sa.Column("head_node_id", sa.Uuid()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "nodes",
        sa.Column("node_id", sa.Uuid(), primary_key=True),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid()),
        sa.Column("storage_uri", sa.String(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("column_count", sa.Integer(), nullable=False),
        sa.Column("columns", JSONB(), nullable=False),
        sa.Column("created_by_message_id", sa.Uuid()),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        *_added_later()["nodes"],
        if_not_exists=True,
    )
    op.create_table(
        "chat_logs",
        sa.Column("chat_message_id", sa.Uuid(), primary_key=True),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("node_id", sa.Uuid()),
        *_added_later()["chat_logs"],
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "tasks",
        sa.Column("task_id", sa.Uuid(), primary_key=True),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("node_id", sa.Uuid()),
        sa.Column("error_code", sa.String()),
        sa.Column("error", sa.String()),
        *_added_later()["tasks"],
        sa.Column("events", JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "skipped_events",
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("skipped_at", sa.DateTime(timezone=True), nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "projection_checkpoints",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        if_not_exists=True,
    )
    op.execute(
        "INSERT INTO projection_checkpoints (name, position) VALUES ('read_models', 0)"
        " ON CONFLICT DO NOTHING"
    )


def _gateway_tables() -> None:
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(), primary_key=True),
        sa.Column("key_hash", sa.String(), nullable=False, unique=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        *_added_later()["api_keys"],
        if_not_exists=True,
    )
    op.create_table(
        "accepted_sessions",
        sa.Column("session_id", sa.Uuid(), primary_key=True),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("name", sa.String()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        if_not_exists=True,
    )
    op.create_table(
        "accepted_tasks",
        sa.Column("task_id", sa.Uuid(), primary_key=True),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("filename", sa.String()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        if_not_exists=True,
    )
    op.create_table(
        "idempotent_requests",
        sa.Column("owner", sa.String(), primary_key=True),
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("fingerprint", sa.String()),
        sa.Column("status", sa.Integer()),
        sa.Column("headers", JSONB()),
        sa.Column("body", sa.LargeBinary()),
        *_added_later()["idempotent_requests"],
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        if_not_exists=True,
    )


def _adopt_older_databases() -> None:
    """Tables the hand-written creators made before a column was added get it now."""
    for table, columns in _added_later().items():
        for column in columns:
            op.add_column(table, column, if_not_exists=True)
    # The hand-written creators added it as TEXT; the tables made whole have VARCHAR.
    op.alter_column("nodes", "profile_uri", type_=sa.String())


def _indexes() -> None:
    indexed = {
        "dead_letters": ["session_id"],
        "sessions": ["owner"],
        "nodes": ["session_id"],
        "chat_logs": ["session_id"],
        "tasks": ["session_id"],
        "skipped_events": ["session_id"],
        "accepted_sessions": ["owner"],
        "accepted_tasks": ["owner", "session_id"],
        "idempotent_requests": ["created_at", "session_id"],
    }
    for table, columns in indexed.items():
        for column in columns:
            op.create_index(f"ix_{table}_{column}", table, [column], if_not_exists=True)


def upgrade() -> None:
    _event_log()
    _read_models()
    _gateway_tables()
    _adopt_older_databases()
    _indexes()


def downgrade() -> None:
    raise NotImplementedError("the first revision adopts databases made before it: not undone")
