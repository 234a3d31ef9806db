"""Bringing a database to the newest revision, one upgrader at a time.

Every replica of every service that needs the tables calls `upgrade_to_head` at startup, so any
of them may start first; a transaction-scoped advisory lock makes the others wait, then find the
database at head and do nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text

from modulardata.readmodels.engine import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"

_UPGRADE_LOCK = 7_264_201  # arbitrary, fixed: the advisory lock key serialising upgrades


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for these migrations, on `connection` when one is given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def run_locked(database_url: str, work: Callable[[Connection], None]) -> None:
    """Run `work` in one transaction holding the upgrade lock, committed when it returns."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _UPGRADE_LOCK})
            await conn.run_sync(work)
    finally:
        await engine.dispose()


async def upgrade_to_head(database_url: str) -> tuple[str, ...]:
    """Apply every migration the database lacks; returns the revisions it is then at."""
    reached: list[str] = []

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), "head")
        reached.extend(MigrationContext.configure(connection).get_current_heads())

    await run_locked(database_url, upgrade)
    return tuple(reached)
