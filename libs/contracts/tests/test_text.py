"""Text fields refuse what no store takes, and a service's own reports escape it instead."""

from __future__ import annotations

from collections.abc import Callable
from uuid import uuid4

import pytest
from pydantic import ValidationError

from modulardata.contracts import commands, events, operations
from modulardata.contracts.text import NAME_CHARS, REPORT_CHARS, escaped, unstorable
from modulardata.contracts.values import ColumnSchema

HOSTILE = ["a\x00b", "\ud800", "x" * 1_000_000]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_session_name_that_cannot_be_stored_is_refused(value: str) -> None:
    with pytest.raises(ValidationError) as raised:
        commands.CreateSession(session_id=uuid4(), owner="key_1", name=value)
    assert raised.value.errors()[0]["loc"] == ("name",)


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    "build",
    [
        lambda v: ColumnSchema(name=v, dtype="string"),
        lambda v: operations.DropColumns(columns=("ok", v)),
        lambda v: operations.RenameColumn(column="a", new_name=v),
        lambda v: operations.FillNulls(columns=("a",), strategy="value", value=v),
        lambda v: operations.ReplaceText(old=v, new="b"),
        lambda v: commands.SendChatMessage(session_id=uuid4(), chat_message_id=uuid4(), text=v),
        lambda v: commands.IngestDataset(
            session_id=uuid4(), upload_uri="file:///u", filename=v, byte_size=1, content_hash="h"
        ),
    ],
    ids=["column", "columns", "new_name", "fill_value", "replace_text", "chat", "filename"],
)
def test_every_kind_of_field_refuses_unstorable_or_huge_text(
    build: Callable[[str], object], value: str
) -> None:
    with pytest.raises(ValidationError):
        build(value)


def test_ordinary_text_of_any_script_is_kept() -> None:
    name = "Ventes 2024 — Zürich 東京 🚀"
    assert commands.CreateSession(session_id=uuid4(), owner="k", name=name).name == name
    assert unstorable(name) is None
    assert commands.CreateSession(session_id=uuid4(), owner="k", name="x" * NAME_CHARS)


def test_a_report_spells_out_what_cannot_be_stored_and_is_cut_to_length() -> None:
    failed = events.TaskFailed(
        task_id=uuid4(), session_id=uuid4(), code="x", error="bad \x00 and \ud800 " + "y" * 20_000
    )
    assert failed.error.startswith("bad \\x00 and \\ud800 y")
    assert len(failed.error) == REPORT_CHARS and failed.error.endswith("…")
    assert unstorable(failed.error) is None
    assert escaped("plain") == "plain"
