"""`modulardata-versioning run | migrate | rebuild`."""

from __future__ import annotations

import argparse
import asyncio

from modulardata.messaging.service import configure_logging
from modulardata.messaging.tracing import configure_tracing
from modulardata.readmodels.engine import make_engine
from modulardata.schema.upgrade import upgrade_to_head
from modulardata.versioning import projector
from modulardata.versioning.config import VersioningSettings
from modulardata.versioning.main import create_app


async def _rebuild(settings: VersioningSettings) -> None:
    await upgrade_to_head(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        replayed = await projector.rebuild(engine)
    finally:
        await engine.dispose()
    print(f"rebuilt the read models from {replayed} events")


def main() -> None:
    """Entry point of the versioning service and its maintenance commands."""
    parser = argparse.ArgumentParser(prog="modulardata-versioning")
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=["run", "migrate", "rebuild"],
        help="run the service (default), upgrade the schema (as modulardata-migrate does),"
        " or rebuild the read models",
    )
    command = parser.parse_args().command
    configure_logging()
    settings = VersioningSettings()
    if command == "run":
        configure_tracing("versioning")
        asyncio.run(create_app(settings).run())
    elif command == "migrate":
        asyncio.run(upgrade_to_head(settings.database_url))
    else:
        asyncio.run(_rebuild(settings))
