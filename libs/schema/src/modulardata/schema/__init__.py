"""The database's schema: every table's changes as Alembic migrations (`migrations/versions/`),
and `upgrade_to_head`, which services run at startup and operators as `modulardata-migrate`."""
