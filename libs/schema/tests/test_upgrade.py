"""Upgrading real PostgreSQL databases: fresh ones, ones the hand-written creators made, and
several upgraders at once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from alembic.script import ScriptDirectory

from modulardata.schema.upgrade import alembic_config, upgrade_to_head
from tests.support.infrastructure import Source
from tests.support.postgres import fresh_database

HAND_WRITTEN = Path(__file__).with_name("hand_written_schema.sql")
HEADS = tuple(ScriptDirectory.from_config(alembic_config()).get_heads())
TABLES = {
    "events",
    "session_keys",
    "processed_messages",
    "relay_checkpoints",
    "dead_letters",
    "sessions",
    "nodes",
    "chat_logs",
    "tasks",
    "skipped_events",
    "projection_checkpoints",
    "api_keys",
    "accepted_sessions",
    "accepted_tasks",
    "idempotent_requests",
}
"""Every table the services use (alembic's own `alembic_version` aside)."""

_CATALOG = {
    "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default"
    " FROM information_schema.columns WHERE table_schema = 'public'",
    "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
    " FROM pg_constraint WHERE connamespace = 'public'::regnamespace",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "triggers": "SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid)"
    " FROM pg_trigger WHERE NOT tgisinternal",
    "functions": "SELECT proname, prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace",
    "sequences": "SELECT sequence_name, data_type FROM information_schema.sequences",
}


def schema_of(database_url: str) -> dict[str, set[tuple[Any, ...]]]:
    """What the database's catalogue says of every table, column, constraint, index, trigger,
    function and sequence, but alembic's own table."""
    with psycopg.connect(database_url) as conn:
        return {
            kind: {row for row in conn.execute(query) if row[0] != "alembic_version"}
            for kind, query in _CATALOG.items()
        }


def make_by_hand(database_url: str, *statements: str) -> None:
    """Give the database the schema the hand-written creators made, then run `statements`."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(HAND_WRITTEN.read_text())
        for statement in statements:
            conn.execute(statement)


def revisions_of(database_url: str) -> tuple[str, ...]:
    with psycopg.connect(database_url) as conn:
        return tuple(row[0] for row in conn.execute("SELECT version_num FROM alembic_version"))


@pytest.fixture(scope="module")
def hand_written_schema(infrastructure: Source) -> dict[str, set[tuple[Any, ...]]]:
    """The catalogue of a database the hand-written creators made as they last made it, once
    upgraded (the first revision adopts it, later ones change it as they change any)."""
    with fresh_database("schema_by_hand") as url:
        make_by_hand(url)
        asyncio.run(upgrade_to_head(url))
        return schema_of(url)


@pytest.fixture
def empty_database(infrastructure: Source) -> Iterator[str]:
    """A database of its own for the test, dropped afterwards."""
    with fresh_database("schema") as url:
        yield url


def test_the_migrations_have_one_head() -> None:
    assert len(HEADS) == 1  # two would mean a merge revision is missing


async def test_a_fresh_database_gets_every_table_and_reaches_head(empty_database: str) -> None:
    assert await upgrade_to_head(empty_database) == HEADS
    assert revisions_of(empty_database) == HEADS
    schema = schema_of(empty_database)
    assert {table for table, *_ in schema["columns"]} == TABLES
    columns = {(table, column) for table, column, *_ in schema["columns"]}
    added_later = {("events", "sealed"), ("nodes", "profile_uri"), ("tasks", "reply")}
    assert added_later | {("api_keys", "scope"), ("idempotent_requests", "session_id")} <= columns
    with psycopg.connect(empty_database) as conn:
        checkpoints = conn.execute("SELECT name, position FROM projection_checkpoints").fetchall()
        assert checkpoints == [("read_models", 0)]
        conn.execute(
            "INSERT INTO events (stream_id, stream_version, event_id, type, schema_version,"
            " payload, metadata) VALUES ('s', 1, %s, 'T', 1, '{}', '{}')",
            (uuid4(),),
        )
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("UPDATE events SET type = 'U'")


async def test_a_fresh_database_gets_the_schema_the_hand_written_creators_made(
    empty_database: str, hand_written_schema: dict[str, set[tuple[Any, ...]]]
) -> None:
    await upgrade_to_head(empty_database)
    assert schema_of(empty_database) == hand_written_schema


async def test_a_database_made_by_hand_is_adopted_with_its_rows(
    empty_database: str, hand_written_schema: dict[str, set[tuple[Any, ...]]]
) -> None:
    make_by_hand(
        empty_database,
        "INSERT INTO projection_checkpoints VALUES ('read_models', 42)",
        "INSERT INTO api_keys (key_id, key_hash, name) VALUES ('key_1', 'h', 'ops')",
    )
    assert await upgrade_to_head(empty_database) == HEADS
    assert schema_of(empty_database) == hand_written_schema
    with psycopg.connect(empty_database) as conn:
        assert conn.execute("SELECT position FROM projection_checkpoints").fetchall() == [(42,)]
        assert conn.execute("SELECT key_id, scope FROM api_keys").fetchall() == [
            ("key_1", "read-write")
        ]


async def test_an_older_database_made_by_hand_gets_the_columns_added_since(
    empty_database: str, hand_written_schema: dict[str, set[tuple[Any, ...]]]
) -> None:
    make_by_hand(
        empty_database,
        "ALTER TABLE events DROP COLUMN sealed",
        "ALTER TABLE nodes DROP COLUMN plan, DROP COLUMN task_id, ALTER profile_uri TYPE TEXT",
        "ALTER TABLE chat_logs DROP COLUMN task_id",
        "ALTER TABLE tasks DROP COLUMN plan, DROP COLUMN code, DROP COLUMN explanation,"
        " DROP COLUMN summary, DROP COLUMN reply, DROP COLUMN question",
        "ALTER TABLE api_keys DROP COLUMN scope, DROP COLUMN revoked_at",
        "ALTER TABLE idempotent_requests DROP COLUMN session_id",  # and its index with it
    )
    assert await upgrade_to_head(empty_database) == HEADS
    assert schema_of(empty_database) == hand_written_schema


async def test_an_upgrade_at_head_changes_nothing(empty_database: str) -> None:
    await upgrade_to_head(empty_database)
    before = schema_of(empty_database)
    assert await upgrade_to_head(empty_database) == HEADS
    assert schema_of(empty_database) == before


async def test_upgraders_starting_together_all_succeed(
    empty_database: str, hand_written_schema: dict[str, set[tuple[Any, ...]]]
) -> None:
    reached = await asyncio.gather(*(upgrade_to_head(empty_database) for _ in range(4)))
    assert reached == [HEADS] * 4
    assert revisions_of(empty_database) == HEADS
    assert schema_of(empty_database) == hand_written_schema


def test_two_migrate_commands_at_once_both_succeed(
    empty_database: str, hand_written_schema: dict[str, set[tuple[Any, ...]]]
) -> None:
    command = Path(sys.executable).with_name("modulardata-migrate")
    env = {**os.environ, "DATABASE_URL": empty_database}
    runs = [
        subprocess.Popen([command], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert [out.decode() for out, _ in outputs] == [f"schema at head: {HEADS[0]}\n"] * 2
    assert schema_of(empty_database) == hand_written_schema


def test_the_migrate_command_says_when_the_database_is_unreachable() -> None:
    command = Path(sys.executable).with_name("modulardata-migrate")
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    done = subprocess.run([command], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "cannot reach the database" in done.stderr
    assert "Traceback" not in done.stderr
