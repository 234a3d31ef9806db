"""The tables the services' models declare are the ones the migrations make: a model changed
without a migration (or a migration without its model) fails here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlmodel import SQLModel

import modulardata.gateway.adapters.gateway_tables  # noqa: F401  (each import registers its models)
import modulardata.readmodels.views  # noqa: F401
import modulardata.versioning.deadletters  # noqa: F401
from modulardata.readmodels.engine import make_engine
from modulardata.schema.upgrade import upgrade_to_head
from tests.support.infrastructure import Source
from tests.support.postgres import fresh_database

MODELS = SQLModel.metadata
MODELLED = {
    *("sessions", "nodes", "chat_logs", "tasks", "skipped_events", "projection_checkpoints"),
    *("api_keys", "accepted_sessions", "accepted_tasks", "idempotent_requests"),
    "dead_letters",
}


def _modelled(item: Any, name: str | None, kind: str, reflected: bool, compared: Any) -> bool:
    """Compare only the tables that have a model (the event log is queried in plain SQL)."""
    return kind != "table" or name in MODELS.tables


@pytest.fixture
def migrated_database(infrastructure: Source) -> Iterator[str]:
    with fresh_database("models") as url:
        yield url


async def test_every_modelled_table_is_as_the_migrations_make_it(migrated_database: str) -> None:
    assert set(MODELS.tables) == MODELLED
    await upgrade_to_head(migrated_database)
    options = {"include_object": _modelled, "compare_type": True, "compare_server_default": True}

    def differences(conn: Connection) -> list[Any]:
        return list(compare_metadata(MigrationContext.configure(conn, opts=options), MODELS))

    engine = make_engine(migrated_database)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(differences) == []
    finally:
        await engine.dispose()
