"""`modulardata-migrate`: bring the database at DATABASE_URL to the newest schema, as the gateway
and versioning do when they start; for an operator, a deploy Job or an init container."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from sqlalchemy.exc import OperationalError

from modulardata.schema.config import SchemaSettings
from modulardata.schema.upgrade import upgrade_to_head


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `modulardata-migrate` command."""
    argparse.ArgumentParser(prog="modulardata-migrate", description=__doc__).parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        reached = asyncio.run(upgrade_to_head(SchemaSettings().database_url))
    except OperationalError as error:
        sys.exit(f"cannot reach the database: {error.orig}")
    print(f"schema at head: {', '.join(reached)}")
