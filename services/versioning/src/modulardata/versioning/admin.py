"""`modulardata-admin dead-letters list | show ID | replay ID`: the operators' view of the
messages the consumers gave up on (settings from the environment, as the services')."""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from modulardata.messaging.bus import make_broker
from modulardata.readmodels.engine import make_engine
from modulardata.schema.upgrade import upgrade_to_head
from modulardata.versioning import deadletters
from modulardata.versioning.config import VersioningSettings
from modulardata.versioning.deadletters import DeadLetter

T = TypeVar("T")

COLUMNS = ("ID", "WHEN", "TOPIC", "TYPE", "CODE", "SESSION", "TASK", "ATTEMPTS", "REPLAYED")


class AdminError(Exception):
    """What an operator asked for cannot be done; the message says why."""


def _count(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError("give a number from 1 to 10000")
    return value


def _when(at: datetime | None) -> str:
    return at.isoformat(timespec="seconds") if at is not None else "-"


def _row(letter: DeadLetter) -> tuple[str, ...]:
    return (
        str(letter.dead_letter_id),
        _when(letter.dead_lettered_at),
        letter.topic,
        letter.original_type or "?",
        letter.code,
        str(letter.session_id or "-"),
        str(letter.task_id or "-"),
        str(letter.attempts),
        _when(letter.replayed_at),
    )


def table(letters: Sequence[DeadLetter]) -> str:
    """The dead letters as an aligned text table, one a line under a header."""
    rows = [COLUMNS, *(_row(letter) for letter in letters)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def as_json(letter: DeadLetter, *, with_body: bool) -> dict[str, Any]:
    """A dead letter as JSON; the body (base64) only when asked for."""
    fields = letter.model_dump(mode="json", exclude={"body"})
    if with_body:
        fields["body_base64"] = base64.b64encode(letter.body).decode()
    return fields


def body_text(body: bytes) -> str:
    """The body as an operator reads it: indented JSON, or base64 when it is not JSON."""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return f"(not JSON; base64) {base64.b64encode(body).decode()}"
    text = json.dumps(parsed, indent=2, ensure_ascii=False)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def details(letter: DeadLetter) -> str:
    """Everything about one dead letter, its reason and body in full."""
    lines = [
        f"{name.lower():<9} {value}" for name, value in zip(COLUMNS, _row(letter), strict=True)
    ]
    lines += [
        f"where     partition {letter.kafka_partition}, offset {letter.kafka_offset}",
        f"group     {letter.group_id}",
        f"message   {letter.original_message_id or '-'}",
        f"reason    {letter.reason}",
        "body"
        + (" (cut to its first 256 KiB: it cannot be replayed)" if letter.body_truncated else ""),
        body_text(letter.body),
    ]
    return "\n".join(lines)


async def _in_database(
    settings: VersioningSettings, work: Callable[[AsyncConnection], Awaitable[T]]
) -> T:
    await upgrade_to_head(settings.database_url)
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            return await work(conn)
    finally:
        await engine.dispose()


async def _found(conn: AsyncConnection, letter_id: UUID) -> DeadLetter:
    letter = await deadletters.find(conn, letter_id)
    if letter is None:
        raise AdminError(f"no dead letter {letter_id}")
    return letter


async def replay(settings: VersioningSettings, letter_id: UUID) -> DeadLetter:
    """Send the dead letter's original body again to its original topic, keyed by its session,
    and mark it replayed; a body that was cut is refused."""

    async def send(conn: AsyncConnection) -> DeadLetter:
        letter = await _found(conn, letter_id)
        if letter.body_truncated:
            raise AdminError(
                f"dead letter {letter_id} cannot be replayed: only the first 256 KiB of its"
                " message were kept"
            )
        broker = make_broker(settings, client_id="modulardata-admin")
        await broker.connect()
        try:
            headers = {"type": letter.original_type} if letter.original_type else {}
            await broker.publish(
                letter.body,
                topic=letter.topic,
                key=str(letter.session_id).encode() if letter.session_id else None,
                headers={**headers, "content-type": "application/json"},
            )
        finally:
            await broker.stop()
        await deadletters.mark_replayed(conn, letter_id)
        return letter

    return await _in_database(settings, send)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="modulardata-admin", description=__doc__)
    groups = parser.add_subparsers(dest="group", required=True)
    letters = groups.add_parser("dead-letters", help="messages the consumers gave up on")
    commands = letters.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="the latest dead letters, newest first")
    listing.add_argument("--limit", type=_count, default=50, help="how many (default 50)")
    show = commands.add_parser("show", help="one dead letter: its reason and body in full")
    again = commands.add_parser(
        "replay", help="send its original message again to its topic, and mark it replayed"
    )
    for command in (show, again):
        command.add_argument("dead_letter_id", type=UUID, metavar="ID", help="as `list` shows")
    for command in (listing, show):
        command.add_argument("--json", action="store_true", help="print JSON instead")
    return parser


def _run(args: argparse.Namespace, settings: VersioningSettings) -> str:
    if args.command == "list":
        letters = asyncio.run(
            _in_database(settings, lambda conn: deadletters.latest(conn, args.limit))
        )
        if args.json:
            return json.dumps([as_json(letter, with_body=False) for letter in letters], indent=2)
        return table(letters)
    if args.command == "show":
        letter = asyncio.run(_in_database(settings, lambda conn: _found(conn, args.dead_letter_id)))
        return (
            json.dumps(as_json(letter, with_body=True), indent=2) if args.json else details(letter)
        )
    replayed = asyncio.run(replay(settings, args.dead_letter_id))
    return f"replayed {replayed.dead_letter_id} to {replayed.topic}"


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `modulardata-admin` command."""
    args = _parser().parse_args(argv)
    try:
        print(_run(args, VersioningSettings()))
    except AdminError as refused:
        sys.exit(f"modulardata-admin: {refused}")
