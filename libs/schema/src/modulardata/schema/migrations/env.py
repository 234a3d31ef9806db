"""Alembic's environment: the migrations run on the connection `upgrade_to_head` hands over, or,
from alembic's own command line, on one of their own under the same lock."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from modulardata.schema.config import SchemaSettings
from modulardata.schema.upgrade import run_locked


def _migrate(connection: Connection) -> None:
    context.configure(connection=connection)
    # Inside the caller's transaction: every migration commits with the lock's release.
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("migrations run on a database, not as a SQL script (--sql)")
handed_over: Connection | None = context.config.attributes.get("connection")
if handed_over is not None:
    _migrate(handed_over)
else:
    if context.config.config_file_name is not None:
        fileConfig(context.config.config_file_name)
    asyncio.run(run_locked(SchemaSettings().database_url, _migrate))
