"""`modulardata-admin dead-letters`: a readable table, one letter in full, JSON, and replays
refused when they cannot be faithful (the real replay is in tests/integration)."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from modulardata.contracts.deadletters import MessageDeadLettered
from modulardata.readmodels.engine import make_engine
from modulardata.schema.upgrade import upgrade_to_head
from modulardata.versioning import admin, deadletters

SESSION, TASK = uuid4(), uuid4()
BODY = b'{"type": "SendChatMessage", "payload": {"text": "caf\xc3\xa9 \\u0000"}}'


def _dead(*, truncated: bool = False, body: bytes = BODY) -> MessageDeadLettered:
    return MessageDeadLettered(
        topic="it.modulardata.versioning.commands",
        partition=2,
        offset=17,
        group_id="modulardata-versioning.commands",
        original_type="SendChatMessage",
        original_message_id=uuid4(),
        session_id=SESSION,
        task_id=TASK,
        code="handler_failed",
        reason="DataError('PostgreSQL text fields cannot contain NUL (\\x00) bytes')",
        attempts=3,
        body_base64=base64.b64encode(body).decode(),
        body_truncated=truncated,
    )


async def _store(database_url: str, *letters: MessageDeadLettered) -> list[UUID]:
    await upgrade_to_head(database_url)
    engine = make_engine(database_url)
    ids = [uuid4() for _ in letters]
    try:
        async with engine.begin() as conn:
            for letter_id, letter in zip(ids, letters, strict=True):
                await deadletters.record(conn, letter_id, datetime.now(UTC), letter)
    finally:
        await engine.dispose()
    return ids


@pytest.fixture
def stored(database_url: str, monkeypatch: pytest.MonkeyPatch) -> list[UUID]:
    """A dead letter that can be replayed and one whose body was cut, in the test database."""
    monkeypatch.setenv("MODULARDATA_VERSIONING_DATABASE_URL", database_url)
    return asyncio.run(_store(database_url, _dead(), _dead(truncated=True)))


def _admin(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    admin.main(["dead-letters", *argv])
    return capsys.readouterr().out


def test_list_prints_an_aligned_table_and_json(
    stored: list[UUID], capsys: pytest.CaptureFixture[str]
) -> None:
    header, *rows = _admin(capsys, "list").splitlines()
    assert header.split() == list(admin.COLUMNS)
    mine = [row for row in rows if row.split()[0] in {str(i) for i in stored}]
    assert len(mine) == 2
    for row in mine:
        assert row[header.index("TOPIC") :].startswith("it.modulardata.versioning.commands  ")
        assert row.split()[2:] == [
            "it.modulardata.versioning.commands",
            "SendChatMessage",
            "handler_failed",
            str(SESSION),
            str(TASK),
            "3",
            "-",
        ]

    listed = json.loads(_admin(capsys, "list", "--json", "--limit", "2"))
    assert [UUID(letter["dead_letter_id"]) for letter in listed] == stored[::-1]
    assert "body_base64" not in listed[0] and listed[0]["replayed_at"] is None


def test_show_prints_the_reason_and_the_body_in_full(
    stored: list[UUID], capsys: pytest.CaptureFixture[str]
) -> None:
    shown = _admin(capsys, "show", str(stored[0]))
    assert "reason    DataError('PostgreSQL text fields cannot contain NUL (\\x00) bytes')" in shown
    assert "where     partition 2, offset 17" in shown
    assert '"text": "café \\u0000"' in shown
    assert "cannot be replayed" in _admin(capsys, "show", str(stored[1]))
    as_json = json.loads(_admin(capsys, "show", "--json", str(stored[0])))
    assert base64.b64decode(as_json["body_base64"]) == BODY
    assert as_json["kafka_offset"] == 17


def test_a_body_that_is_not_json_is_shown_in_base64() -> None:
    assert admin.body_text(b"\x00\xffnot json") == "(not JSON; base64) AP9ub3QganNvbg=="


def test_a_cut_body_or_an_unknown_id_is_refused_with_a_reason(stored: list[UUID]) -> None:
    with pytest.raises(SystemExit, match="only the first 256 KiB of its message were kept"):
        admin.main(["dead-letters", "replay", str(stored[1])])
    unknown = uuid4()
    with pytest.raises(SystemExit, match=f"no dead letter {unknown}"):
        admin.main(["dead-letters", "show", str(unknown)])
