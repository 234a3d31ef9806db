"""`modulardata-gateway`: run the server, or create an API key."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

import uvicorn

from modulardata.gateway.config import GatewaySettings
from modulardata.gateway.keys import create_api_key, hash_key, key_id_for
from modulardata.gateway.main import create_app
from modulardata.gateway.tables import create_tables
from modulardata.versioning.db import make_engine


async def _create_key(settings: GatewaySettings, name: str) -> str:
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        await create_tables(engine)
        return await create_api_key(engine, name)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `modulardata-gateway` command."""
    parser = argparse.ArgumentParser(prog="modulardata-gateway", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the HTTP server (settings from the environment)")
    create_key = commands.add_parser("create-key", help="create an API key and print it once")
    create_key.add_argument("--name", required=True, help="who or what the key is for")
    args = parser.parse_args(argv)

    settings = GatewaySettings()
    if args.command == "serve":
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port)
    else:
        key = asyncio.run(_create_key(settings, args.name))
        # The key goes alone to stdout so scripts can capture it; it is not shown again.
        print(key)
        print(f"created {key_id_for(hash_key(key))} ({args.name})", file=sys.stderr)
