"""`modulardata-versioning run | migrate | rebuild`."""

from __future__ import annotations

import argparse
import asyncio

from modulardata.messaging.service import configure_logging
from modulardata.readmodels.engine import make_engine
from modulardata.versioning import projector
from modulardata.versioning.config import VersioningSettings
from modulardata.versioning.main import create_app, migrate


async def _migrate(settings: VersioningSettings) -> None:
    engine = make_engine(settings.database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


async def _rebuild(settings: VersioningSettings) -> None:
    engine = make_engine(settings.database_url)
    try:
        await migrate(engine)
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
        help="run the service (default), create the tables, or rebuild the read models",
    )
    command = parser.parse_args().command
    configure_logging()
    settings = VersioningSettings()
    if command == "run":
        asyncio.run(create_app(settings).run())
    elif command == "migrate":
        asyncio.run(_migrate(settings))
    else:
        asyncio.run(_rebuild(settings))
