"""`modulardata-gateway serve | keys create | keys list | keys revoke ID` (`create-key` is
the older spelling of `keys create`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.gateway.adapters.api_keys import (
    Scope,
    create_api_key,
    hash_key,
    key_id_for,
    list_api_keys,
    revoke_api_key,
)
from modulardata.gateway.config import GatewaySettings
from modulardata.gateway.main import create_app
from modulardata.messaging.tracing import configure_tracing
from modulardata.readmodels.engine import make_engine
from modulardata.schema.upgrade import upgrade_to_head

T = TypeVar("T")


async def _with_engine(settings: GatewaySettings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    await upgrade_to_head(settings.database_url)
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        return await work(engine)
    finally:
        await engine.dispose()


def _add_create_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", required=True, help="who or what the key is for")
    parser.add_argument(
        "--scope",
        type=Scope,
        choices=list(Scope),
        default=Scope.READ_WRITE,
        help="read: only GET; read-write (default): everything",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="modulardata-gateway", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the HTTP server (settings from the environment)")
    _add_create_arguments(
        commands.add_parser("create-key", help="create an API key and print it once")
    )
    keys = commands.add_parser("keys", help="manage API keys").add_subparsers(
        dest="keys_command", required=True
    )
    _add_create_arguments(keys.add_parser("create", help="create an API key and print it once"))
    keys.add_parser("list", help="list the keys: id, scope, created, revoked, name")
    revoke = keys.add_parser("revoke", help="revoke a key: it answers 401 from then on")
    revoke.add_argument("key_id", metavar="ID", help="the key's id (key_...), as `keys list` shows")
    return parser


def _create(settings: GatewaySettings, name: str, scope: Scope) -> None:
    key = asyncio.run(_with_engine(settings, lambda engine: create_api_key(engine, name, scope)))
    # The key goes alone to stdout so scripts can capture it; it is not shown again.
    print(key)
    print(f"created {key_id_for(hash_key(key))} ({name}, {scope})", file=sys.stderr)


def _list(settings: GatewaySettings) -> None:
    for key in asyncio.run(_with_engine(settings, list_api_keys)):
        revoked = key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "-"
        created = key.created_at.isoformat(timespec="seconds")
        print(f"{key.key_id}\t{key.scope}\t{created}\t{revoked}\t{key.name}")


def _revoke(settings: GatewaySettings, key_id: str) -> None:
    if not asyncio.run(_with_engine(settings, lambda engine: revoke_api_key(engine, key_id))):
        sys.exit(f"no API key {key_id!r}")
    print(f"revoked {key_id}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `modulardata-gateway` command."""
    args = _parser().parse_args(argv)
    settings = GatewaySettings()
    command = args.keys_command if args.command == "keys" else args.command
    if command == "serve":
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        configure_tracing("gateway")
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            timeout_keep_alive=round(settings.keep_alive_s),
        )
    elif command in ("create", "create-key"):
        _create(settings, args.name, args.scope)
    elif command == "list":
        _list(settings)
    else:
        _revoke(settings, args.key_id)
