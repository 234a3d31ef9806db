"""One valid example of every message type, for tests that need a real instance of each."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from modulardata.contracts import commands, deadletters, events, operations, tasks
from modulardata.contracts.base import Message
from modulardata.contracts.values import ChangeSummary, ColumnSchema

SESSION, NODE, TASK = uuid4(), uuid4(), uuid4()
COLUMNS = (ColumnSchema(name="age", dtype="int64"), ColumnSchema(name="city", dtype="string"))
PLAN = operations.Plan(
    operations=(
        operations.TrimWhitespace(columns=("city",)),
        operations.FilterRows(
            conditions=(operations.Condition(column="age", op="gt", value=30, as_number=True),)
        ),
    )
)

EXAMPLES: list[Message] = [
    commands.CreateSession(session_id=SESSION, owner="key-1", name="Customers"),
    commands.IngestDataset(
        session_id=SESSION,
        upload_uri="file:///x/raw",
        filename="c.csv",
        byte_size=10,
        content_hash="ab" * 32,
    ),
    events.SessionCreated(session_id=SESSION, owner="key-1"),
    events.TaskProgressed(task_id=TASK, session_id=SESSION, stage="ingesting"),
    events.DatasetIngested(
        session_id=SESSION,
        node_id=NODE,
        filename="c.csv",
        upload_uri="file:///x/raw",
        storage_uri="s3://b/p/n.parquet",
        content_hash="cd" * 32,
        row_count=3,
        column_count=2,
        columns=COLUMNS,
    ),
    events.IngestionFailed(session_id=SESSION, filename="c.csv", code="empty_file", reason="empty"),
    events.DatasetProfiled(
        session_id=SESSION,
        node_id=NODE,
        profile_uri="s3://b/p/n.profile.json",
        row_count=3,
        column_count=2,
        finding_count=1,
    ),
    events.DatasetUploaded(session_id=SESSION, node_id=NODE, filename="c.csv", upload_uri="u"),
    events.VersionCommitted(
        session_id=SESSION,
        node_id=NODE,
        parent_id=None,
        storage_uri="u",
        content_hash="h",
        row_count=3,
        column_count=2,
        columns=COLUMNS,
        description="Uploaded c.csv",
    ),
    events.HeadMoved(session_id=SESSION, node_id=NODE, previous_node_id=None),
    events.ChatMessageRecorded(
        session_id=SESSION, chat_message_id=uuid4(), role="user", text="drop empty rows"
    ),
    events.TaskSucceeded(
        task_id=TASK,
        session_id=SESSION,
        node_id=NODE,
        summary=ChangeSummary.between(COLUMNS, 3, COLUMNS[:1], 2),
    ),
    events.TaskFailed(
        task_id=TASK, session_id=SESSION, code="empty_file", error="The file is empty"
    ),
    commands.ExecuteTransformation(
        session_id=SESSION,
        parent_node_id=NODE,
        parent_storage_uri="file:///x/n.parquet",
        code="df = df.dropna()",
        chat_message_id=uuid4(),
    ),
    events.TransformationExecuted(
        session_id=SESSION,
        parent_node_id=NODE,
        node_id=uuid4(),
        storage_uri="file:///x/m.parquet",
        content_hash="ef" * 32,
        row_count=2,
        column_count=2,
        columns=COLUMNS,
        code="df = df.dropna()",
    ),
    events.TransformationFailed(
        session_id=SESSION,
        parent_node_id=NODE,
        code="import os",
        error="line 1: imports are not allowed",
    ),
    commands.PlanChatMessage(
        session_id=SESSION,
        chat_message_id=uuid4(),
        text="do the same for city",
        head_node_id=NODE,
        head_storage_uri="file:///x/n.parquet",
        recent_messages=(
            commands.ChatTurn(role="user", text="trim spaces in name"),
            commands.ChatTurn(role="assistant", text=PLAN.describe(), plan=PLAN),
        ),
    ),
    events.TransformationPlanned(
        session_id=SESSION,
        chat_message_id=uuid4(),
        head_node_id=NODE,
        undo_first=True,
        plan=PLAN,
        code=PLAN.compile(),
        explanation=PLAN.describe(),
        planner="rules",
    ),
    events.ExecutionRequested(
        task_id=TASK,
        session_id=SESSION,
        parent_node_id=NODE,
        parent_storage_uri="file:///x/n.parquet",
        code=PLAN.compile(),
        chat_message_id=uuid4(),
    ),
    events.ProfilingRequested(
        task_id=TASK, session_id=SESSION, node_id=NODE, storage_uri="file:///x/n.parquet"
    ),
    commands.ProfileVersion(session_id=SESSION, node_id=NODE, storage_uri="file:///x/n.parquet"),
    events.ProfilingFailed(
        session_id=SESSION, node_id=NODE, error="the new version's data is missing from storage"
    ),
    events.HeadMoveRequested(
        session_id=SESSION, chat_message_id=uuid4(), direction="undo", steps=2
    ),
    events.ClarificationRequested(
        session_id=SESSION,
        chat_message_id=uuid4(),
        question="Which column: 'first_name' or 'last_name'?",
        reason="ambiguous",
    ),
    commands.SendChatMessage(session_id=SESSION, chat_message_id=uuid4(), text="undo that"),
    commands.MoveHead(session_id=SESSION, node_id=NODE),
    commands.ExpireTask(
        session_id=SESSION,
        task_id=TASK,
        stage="executing",
        silent_since=datetime(2026, 1, 2, tzinfo=UTC),
        waited_s=600.5,
    ),
    commands.ReplayRecipe(session_id=SESSION, plan=PLAN, description="Replayed 2 steps"),
    commands.DeleteSession(session_id=SESSION, owner="key-1"),
    events.SessionDeleted(session_id=SESSION, reason="retention", objects_removed=3),
    events.EventShredded(session_id=SESSION, shredded_type="ChatMessageRecorded"),
    events.TaskQueued(
        task_id=TASK, session_id=SESSION, task=tasks.ChatTask(chat_message_id=uuid4(), text="undo")
    ),
    events.TaskQueued(task_id=TASK, session_id=SESSION, task=tasks.HeadMoveTask(node_id=NODE)),
    events.TaskStarted(
        task_id=TASK,
        session_id=SESSION,
        task=tasks.ReplayTask(plan=PLAN, description="Replayed 2 steps"),
        head_node_id=NODE,
        head_storage_uri="file:///x/n.parquet",
    ),
    events.TaskNeedsInput(
        task_id=TASK, session_id=SESSION, question="Which column?", reason="ambiguous"
    ),
    deadletters.MessageDeadLettered(
        topic="modulardata.versioning.commands",
        partition=2,
        offset=41,
        group_id="modulardata-versioning.commands",
        original_type="CreateSession",
        original_message_id=uuid4(),
        session_id=SESSION,
        task_id=TASK,
        code="handler_failed",
        reason="DataError('unsupported Unicode escape sequence')",
        attempts=3,
        body_base64="eyJ0eXBlIjogIkNyZWF0ZVNlc3Npb24ifQ==",
        body_truncated=False,
    ),
]


def example_of(type_name: str) -> Message:
    """The example of a registered type; KeyError when it has none."""
    return {m.TYPE: m for m in EXAMPLES}[type_name]
