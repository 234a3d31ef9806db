"""Events: past-tense facts. Those appended to the event log are the source of every read model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from modulardata.contracts.base import Message, register
from modulardata.contracts.commands import ChatTurn, DeletionReason
from modulardata.contracts.envelope import UPCASTERS
from modulardata.contracts.operations import Plan
from modulardata.contracts.tasks import TaskSpec, TaskStage
from modulardata.contracts.text import Code, FileName, Label, Name, Report, Uri
from modulardata.contracts.values import ChangeSummary, ColumnSchema

IngestionErrorCode = Literal[
    "empty_file",
    "header_only",
    "not_text",
    "undecodable",
    "unterminated_quote",
    "too_large",  # recorded before the limits had codes of their own; no longer sent
    "unreadable",
    "upload_too_large",
    "decompressed_too_large",
    "too_many_rows",
    "too_many_columns",
    "cell_too_large",
    "too_slow_to_read",
]


@register
class SessionCreated(Message):
    """A session exists and belongs to one API key."""

    TYPE = "SessionCreated"

    session_id: UUID = Field(description="The new session.")
    owner: Label = Field(description="Id of the API key that owns it.")
    name: Name | None = Field(default=None, description="Optional display name.")


@register
class TaskProgressed(Message):
    """A task reached a new stage of its flow."""

    TYPE = "TaskProgressed"

    task_id: UUID = Field(description="The task.")
    session_id: UUID = Field(description="Its session.")
    stage: TaskStage = Field(description="The stage reached.")


@register
class DatasetIngested(Message):
    """The profiler turned an upload into a canonical Parquet version in storage."""

    TYPE = "DatasetIngested"

    session_id: UUID = Field(description="Session of the upload.")
    node_id: UUID = Field(description="Id of the version node to commit.")
    filename: FileName = Field(description="File name the client gave.")
    upload_uri: Uri = Field(description="Storage URI of the raw upload.")
    storage_uri: Uri = Field(description="Storage URI of the canonical Parquet version.")
    content_hash: Label = Field(description="sha256 hex digest of the Parquet file.")
    row_count: int = Field(ge=0, description="Rows in the version.")
    column_count: int = Field(ge=0, description="Columns in the version.")
    columns: tuple[ColumnSchema, ...] = Field(description="Column names and types.")


@register
class IngestionFailed(Message):
    """The profiler could not read an upload; nothing was stored as a version."""

    TYPE = "IngestionFailed"

    session_id: UUID = Field(description="Session of the upload.")
    filename: FileName = Field(description="File name the client gave.")
    code: IngestionErrorCode = Field(description="Machine-readable reason.")
    reason: Report = Field(description="What is wrong, in plain words (with the line, if any).")


@register
class DatasetProfiled(Message):
    """The profiler stored the profile of a version; recorded in the session's log as is."""

    TYPE = "DatasetProfiled"

    session_id: UUID = Field(description="The session.")
    node_id: UUID = Field(description="The version profiled.")
    profile_uri: Uri = Field(description="Storage URI of the profile JSON.")
    row_count: int = Field(ge=0, description="Rows in the version.")
    column_count: int = Field(ge=0, description="Columns in the version.")
    finding_count: int = Field(ge=0, description="Problems the profile found.")


@register
class ProfilingFailed(Message):
    """The profiler could not profile a transformation's new version, so it is not committed."""

    TYPE = "ProfilingFailed"

    session_id: UUID = Field(description="The session.")
    node_id: UUID = Field(description="The version.")
    error: Report = Field(description="Why, in plain words.")


@register
class DatasetUploaded(Message):
    """A file was uploaded into the session and became a version node."""

    TYPE = "DatasetUploaded"

    session_id: UUID = Field(description="The session.")
    node_id: UUID = Field(description="The node made from the upload.")
    filename: FileName = Field(description="File name the client gave.")
    upload_uri: Uri = Field(description="Storage URI of the raw upload.")


@register
class VersionCommitted(Message):
    """A dataset version became a node of the session's version tree."""

    TYPE = "VersionCommitted"

    session_id: UUID = Field(description="The session.")
    node_id: UUID = Field(description="The new node.")
    parent_id: UUID | None = Field(description="Node it was derived from; None for an upload.")
    storage_uri: Uri = Field(description="Storage URI of the version's Parquet data.")
    content_hash: Label = Field(description="sha256 hex digest of the Parquet file.")
    row_count: int = Field(ge=0, description="Rows in the version.")
    column_count: int = Field(ge=0, description="Columns in the version.")
    columns: tuple[ColumnSchema, ...] = Field(description="Column names and types.")
    created_by_message_id: UUID | None = Field(
        default=None, description="Chat message that produced it; None for an upload."
    )
    description: Report = Field(description="One line saying how the version was made.")
    plan: Plan | None = Field(
        default=None, description="The operations that made it from its parent; None for uploads."
    )
    profile_uri: Uri | None = Field(
        default=None, description="Storage URI of its profile, when profiled before the commit."
    )
    task_id: UUID | None = Field(default=None, description="The task that made it.")
    code: Code | None = Field(
        default=None, description="The pandas code that ran to make it; None for an upload."
    )
    filename: FileName | None = Field(
        default=None, description="For an upload: the name of the file the client gave."
    )


@register
class HeadMoved(Message):
    """The session's head (the version the next change applies to) now points at a node."""

    TYPE = "HeadMoved"

    session_id: UUID = Field(description="The session.")
    node_id: UUID = Field(description="The new head.")
    previous_node_id: UUID | None = Field(description="The head before; None at first.")


@register
class ChatMessageRecorded(Message):
    """A chat message (the user's or the assistant's) joined the session's conversation."""

    TYPE = "ChatMessageRecorded"

    session_id: UUID = Field(description="The session.")
    chat_message_id: UUID = Field(description="Id of the chat message.")
    role: Literal["user", "assistant"] = Field(description="Who said it.")
    text: Report = Field(description="What was said.")
    node_id: UUID | None = Field(default=None, description="Node the message led to, if any.")
    task_id: UUID | None = Field(default=None, description="The task the message belongs to.")


@register
class TaskSucceeded(Message):
    """A task finished; `node_id` is set when it made a version."""

    TYPE = "TaskSucceeded"

    task_id: UUID = Field(description="The task.")
    session_id: UUID = Field(description="Its session.")
    node_id: UUID | None = Field(
        default=None, description="Version the task made (or moved the head to), if any."
    )
    summary: ChangeSummary | None = Field(
        default=None, description="Rows and columns before and after, when it made a version."
    )


@register
class TaskFailed(Message):
    """A task ended without a result; no version was made."""

    TYPE = "TaskFailed"

    task_id: UUID = Field(description="The task.")
    session_id: UUID = Field(description="Its session.")
    code: Label = Field(description="Machine-readable reason.")
    error: Report = Field(description="What went wrong, in plain words.")


@register
class TransformationExecuted(Message):
    """The executor ran a snippet in the sandbox and stored its result as a Parquet version."""

    TYPE = "TransformationExecuted"

    session_id: UUID = Field(description="The session.")
    parent_node_id: UUID = Field(description="Node the snippet transformed.")
    node_id: UUID = Field(description="Id of the new version node to commit.")
    storage_uri: Uri = Field(description="Storage URI of the new Parquet version.")
    content_hash: Label = Field(description="sha256 hex digest of the Parquet file.")
    row_count: int = Field(ge=0, description="Rows in the version.")
    column_count: int = Field(ge=0, description="Columns in the version.")
    columns: tuple[ColumnSchema, ...] = Field(description="Column names and types.")
    code: Code = Field(description="The snippet that made the version.")
    chat_message_id: UUID | None = Field(
        default=None, description="Chat message the snippet answered, if any."
    )


@register
class TransformationFailed(Message):
    """A snippet was refused or failed in the sandbox; no version was made."""

    TYPE = "TransformationFailed"

    session_id: UUID = Field(description="The session.")
    parent_node_id: UUID = Field(description="Node the snippet was to transform.")
    code: Code = Field(description="The snippet.")
    error: Report = Field(
        description="Why, in plain words: the rule broken, or the error and its line."
    )
    chat_message_id: UUID | None = Field(
        default=None, description="Chat message the snippet answered, if any."
    )


@register
class TransformationPlanned(Message):
    """The agents turned a chat message into a plan and its pandas code, ready to execute."""

    TYPE = "TransformationPlanned"

    session_id: UUID = Field(description="The session.")
    chat_message_id: UUID = Field(description="The chat message answered.")
    head_node_id: UUID = Field(description="The head the plan was made against.")
    undo_first: bool = Field(
        default=False,
        description="Apply to the head's parent: the plan replaces the last change ('instead').",
    )
    plan: Plan = Field(description="The typed operations, in order.")
    code: Code = Field(description="The pandas snippet the executor runs (the compiled plan).")
    explanation: Report = Field(description="What the plan does, in plain words for the user.")
    planner: Literal["rules", "crew"] = Field(
        description="Who planned it: the offline rule planner or the LLM crew."
    )


@register
class ExecutionRequested(Message):
    """A task's workflow sent its code to the executor, on the version it chose as the parent:
    the head, or for a plan replacing the last change the head's parent."""

    TYPE = "ExecutionRequested"

    task_id: UUID = Field(description="The task.")
    session_id: UUID = Field(description="The session.")
    parent_node_id: UUID = Field(description="Node the code transforms.")
    parent_storage_uri: Uri = Field(description="Storage URI of the parent's Parquet data.")
    code: Code = Field(description="The pandas snippet.")
    chat_message_id: UUID | None = Field(
        default=None, description="Chat message the code answers, if any."
    )


@register
class ProfilingRequested(Message):
    """A task's workflow sent its new version to the profiler."""

    TYPE = "ProfilingRequested"

    task_id: UUID = Field(description="The task.")
    session_id: UUID = Field(description="The session.")
    node_id: UUID = Field(description="The new version.")
    storage_uri: Uri = Field(description="Storage URI of its Parquet data.")


@register
class HeadMoveRequested(Message):
    """The user asked to undo or redo changes: the head moves, no version is made."""

    TYPE = "HeadMoveRequested"

    session_id: UUID = Field(description="The session.")
    chat_message_id: UUID = Field(description="The chat message answered.")
    direction: Literal["undo", "redo"] = Field(description="Back to the parent, or forward again.")
    steps: int = Field(default=1, ge=1, description="How many changes to move over.")


@register
class ClarificationRequested(Message):
    """The agents could not plan a chat message and ask the user a question instead."""

    TYPE = "ClarificationRequested"

    session_id: UUID = Field(description="The session.")
    chat_message_id: UUID = Field(description="The chat message answered.")
    question: Report = Field(description="The question (or what went wrong), for the user.")
    reason: Literal["ambiguous", "not_understood", "failed"] = Field(
        description="Why: several readings, no reading, or no working code could be made."
    )


@register
class TaskQueued(Message):
    """A task joined its session's queue: one task per session runs at a time, in order."""

    TYPE = "TaskQueued"
    SCHEMA_VERSION = 2

    task_id: UUID = Field(description="The task.")
    session_id: UUID = Field(description="Its session.")
    task: TaskSpec = Field(description="What the task does, by kind.")


@register
class TaskStarted(Message):
    """A queued task started against the session's head (a chat task's `PlanChatMessage` is
    sent from this)."""

    TYPE = "TaskStarted"
    SCHEMA_VERSION = 2

    task_id: UUID = Field(description="The task.")
    session_id: UUID = Field(description="Its session.")
    task: TaskSpec = Field(description="What the task does, by kind.")
    head_node_id: UUID = Field(description="The head when it started.")
    head_storage_uri: Uri = Field(description="Storage URI of the head's data.")
    recent_messages: tuple[ChatTurn, ...] = Field(
        default=(), description="For chat: the conversation before the message, oldest first."
    )
    started_at: AwareDatetime = Field(
        default_factory=lambda: datetime.now(UTC), description="When it started (UTC)."
    )


_SPEC_FIELDS = {
    "chat": ("chat_message_id", "text"),
    "head_move": ("node_id",),
    "replay": ("plan", "description"),
}
_FLAT_FIELDS = {"kind", "chat_message_id", "text", "node_id", "plan", "description"}


def _task_spec_nested(payload: dict[str, Any]) -> dict[str, Any]:
    """Version 1 spelled every kind's fields side by side, unset ones null; version 2 holds
    the one kind's in `task`. Version 1 of TaskStarted also named the head's parent, for the
    agents to choose where a plan runs; the task workflow now chooses, from the session."""
    kind = payload["kind"]
    task = {"kind": kind} | {name: payload.get(name) for name in _SPEC_FIELDS[kind]}
    dropped = _FLAT_FIELDS | {"head_parent_node_id", "head_parent_storage_uri"}
    return {name: value for name, value in payload.items() if name not in dropped} | {"task": task}


UPCASTERS[(TaskQueued.TYPE, 1)] = _task_spec_nested
UPCASTERS[(TaskStarted.TYPE, 1)] = _task_spec_nested


@register
class TaskNeedsInput(Message):
    """A task ended with a question for the user instead of a result; no version was made."""

    TYPE = "TaskNeedsInput"

    task_id: UUID = Field(description="The task.")
    session_id: UUID = Field(description="Its session.")
    question: Report = Field(description="What the user is asked.")
    reason: Literal["ambiguous", "not_understood", "failed"] = Field(
        description="Several readings, no reading, or no working code could be made."
    )


@register
class SessionDeleted(Message):
    """A session was deleted: its stored data is gone and its other events can no longer be
    read (their key is destroyed). The log keeps this event in clear, so replays purge too."""

    TYPE = "SessionDeleted"

    session_id: UUID = Field(description="The deleted session.")
    reason: DeletionReason = Field(description="Why it was deleted.")
    objects_removed: int = Field(ge=0, description="Stored objects (uploads, versions) removed.")


@register
class EventShredded(Message):
    """What the log gives for an event of a deleted session: a tombstone keeping its place in
    the log and its type, never its content (never appended; only read)."""

    TYPE = "EventShredded"

    session_id: UUID = Field(description="The deleted session the event belonged to.")
    shredded_type: Label = Field(description="The type the event had.")
