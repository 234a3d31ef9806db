"""Every message survives a JSON round trip inside its envelope; the envelope keeps its rules."""

from __future__ import annotations

from uuid import uuid4

import pytest
from pydantic import ValidationError

from modulardata.contracts import events, tasks
from modulardata.contracts.base import Message, UnknownMessageType, registered_types
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.values import ChangeSummary, ColumnSchema
from tests.support.messages import EXAMPLES, NODE, SESSION, TASK


def test_examples_cover_every_registered_type() -> None:
    assert {m.TYPE for m in EXAMPLES} == set(registered_types())


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: m.TYPE)
def test_json_round_trip(message: Message) -> None:
    envelope = Envelope.wrap(message, session_id=SESSION, correlation_id=TASK)
    decoded = Envelope.model_validate_json(envelope.model_dump_json())
    assert decoded == envelope
    assert decoded.open() == message
    assert decoded.occurred_at.tzinfo is not None


def test_follow_keeps_the_flow_and_records_the_cause() -> None:
    first = Envelope.wrap(EXAMPLES[0], session_id=SESSION, correlation_id=TASK)
    second = first.follow(EXAMPLES[2])
    assert (second.session_id, second.correlation_id) == (SESSION, TASK)
    assert second.causation_id == first.message_id
    assert second.message_id != first.message_id
    assert second.key == str(SESSION).encode()


def test_messages_are_frozen_and_strict() -> None:
    message = events.HeadMoved(session_id=SESSION, node_id=NODE, previous_node_id=None)
    with pytest.raises(ValidationError):
        message.node_id = uuid4()  # type: ignore[misc]
    with pytest.raises(ValidationError):
        events.HeadMoved.model_validate(
            {"session_id": str(SESSION), "node_id": str(NODE), "previous_node_id": None, "x": 1}
        )


def test_unknown_type_is_refused() -> None:
    envelope = Envelope(
        type="NoSuchThing", schema_version=1, correlation_id=TASK, session_id=SESSION, payload={}
    )
    with pytest.raises(UnknownMessageType):
        envelope.open()


def test_a_task_started_recorded_before_version_2_is_read_without_the_heads_parent() -> None:
    head, parent = uuid4(), uuid4()
    old = Envelope(
        type="TaskStarted",
        schema_version=1,
        correlation_id=TASK,
        session_id=SESSION,
        payload={
            "task_id": str(TASK),
            "session_id": str(SESSION),
            "kind": "chat",
            "head_node_id": str(head),
            "head_storage_uri": "file:///head.parquet",
            "head_parent_node_id": str(parent),
            "head_parent_storage_uri": "file:///parent.parquet",
            "chat_message_id": str(NODE),
            "text": "undo",
            "started_at": "2026-01-01T00:00:00Z",
        },
    )
    started = old.open()
    assert isinstance(started, events.TaskStarted)
    assert started.head_node_id == head
    assert started.task == tasks.ChatTask(chat_message_id=NODE, text="undo")
    assert "head_parent_node_id" not in started.model_dump()
    with pytest.raises(ValidationError):  # the current version has no such field
        Envelope.wrap(started, session_id=SESSION, correlation_id=TASK).model_copy(
            update={"payload": old.payload, "schema_version": 2}
        ).open()


def test_envelope_requires_an_aware_time() -> None:
    with pytest.raises(ValidationError):
        Envelope.model_validate_json(
            Envelope.wrap(EXAMPLES[0], session_id=SESSION, correlation_id=TASK)
            .model_dump_json()
            .replace('Z"', '"')
            .replace('+00:00"', '"')
        )


def test_change_summary_names_added_removed_and_retyped_columns() -> None:
    before = (
        ColumnSchema(name="age", dtype="string"),
        ColumnSchema(name="city", dtype="string"),
        ColumnSchema(name="note", dtype="string"),
    )
    after = (
        ColumnSchema(name="age", dtype="int64"),
        ColumnSchema(name="town", dtype="string"),
        ColumnSchema(name="note", dtype="large_string"),
    )
    summary = ChangeSummary.between(before, 21, after, 18)
    assert summary.columns_added == ("town",)
    assert summary.columns_removed == ("city",)
    assert [(c.name, c.before, c.after) for c in summary.columns_retyped] == [
        ("age", "string", "int64")
    ]
    assert summary.describe() == (
        "21 -> 18 rows; added: town; removed: city; retyped: age (string -> int64)"
    )


def test_a_task_queued_before_version_2_holds_its_kinds_fields_in_task() -> None:
    old = Envelope(
        type="TaskQueued",
        schema_version=1,
        correlation_id=TASK,
        session_id=SESSION,
        payload={
            "task_id": str(TASK),
            "session_id": str(SESSION),
            "kind": "head_move",
            "chat_message_id": None,
            "text": None,
            "node_id": str(NODE),
            "plan": None,
            "description": None,
        },
    )
    queued = old.open()
    assert isinstance(queued, events.TaskQueued)
    assert queued.task == tasks.HeadMoveTask(node_id=NODE)
