"""Commands: imperative requests, each handled by exactly one service."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from modulardata.contracts.base import Message, register
from modulardata.contracts.operations import Plan
from modulardata.contracts.text import ChatText, Code, FileName, Label, Name, Prose, Report, Uri


@register
class CreateSession(Message):
    """Open a new cleaning session owned by one API key (handled by versioning)."""

    TYPE = "CreateSession"

    session_id: UUID = Field(description="Id chosen by the gateway for the new session.")
    owner: Label = Field(description="Id of the API key that owns the session.")
    name: Name | None = Field(default=None, description="Optional display name.")


@register
class IngestDataset(Message):
    """Read an uploaded file into the session's first dataset version (handled by profiler)."""

    TYPE = "IngestDataset"

    session_id: UUID = Field(description="Session the dataset belongs to.")
    upload_uri: Uri = Field(description="Storage URI of the raw uploaded bytes.")
    filename: FileName = Field(description="File name the client gave.")
    byte_size: int = Field(ge=0, description="Size of the raw upload in bytes.")
    content_hash: Label = Field(description="sha256 hex digest of the raw upload.")


@register
class ExecuteTransformation(Message):
    """Run a generated pandas snippet on a version, making a new version (handled by executor).

    The task id is the envelope's correlation id; the new node's id is derived from it.
    """

    TYPE = "ExecuteTransformation"

    session_id: UUID = Field(description="Session the versions belong to.")
    parent_node_id: UUID = Field(description="Node whose data the snippet transforms.")
    parent_storage_uri: Uri = Field(description="Storage URI of the parent's Parquet data.")
    code: Code = Field(description="The pandas snippet; it reads and leaves its result in df.")
    chat_message_id: UUID | None = Field(
        default=None, description="Chat message the snippet answers, if any."
    )


class ChatTurn(BaseModel):
    """One earlier message of a session's conversation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Literal["user", "assistant"] = Field(description="Who said it.")
    text: Report = Field(description="What was said.")
    plan: Plan | None = Field(
        default=None, description="For an assistant turn: the plan it answered with, if any."
    )


@register
class PlanChatMessage(Message):
    """Answer a user's chat message with a plan, a head move or a question (handled by agents,
    sent by a session's task workflow); the task id is the envelope's correlation id."""

    TYPE = "PlanChatMessage"

    session_id: UUID = Field(description="The session.")
    chat_message_id: UUID = Field(description="Id of the user's chat message.")
    text: ChatText = Field(description="What the user wrote.")
    head_node_id: UUID = Field(description="The session's head: the version a change applies to.")
    head_storage_uri: Uri = Field(description="Storage URI of the head's Parquet data.")
    recent_messages: tuple[ChatTurn, ...] = Field(
        default=(), description="The conversation before this message, oldest first."
    )


@register
class ProfileVersion(Message):
    """Profile a transformation's new version before it is committed (handled by the profiler,
    sent by a session's task workflow); the task id is the envelope's correlation id."""

    TYPE = "ProfileVersion"

    session_id: UUID = Field(description="The session.")
    node_id: UUID = Field(description="The new version.")
    storage_uri: Uri = Field(description="Storage URI of its Parquet data.")


@register
class SendChatMessage(Message):
    """A user's chat message to a session (handled by versioning, which queues and starts it).

    The task id is the envelope's correlation id.
    """

    TYPE = "SendChatMessage"

    session_id: UUID = Field(description="The session.")
    chat_message_id: UUID = Field(description="Id the gateway gave the message.")
    text: ChatText = Field(description="What the user wrote.")


@register
class MoveHead(Message):
    """Point the session's head at one of its nodes: a rollback or a redo (handled by versioning).

    The task id is the envelope's correlation id.
    """

    TYPE = "MoveHead"

    session_id: UUID = Field(description="The session.")
    node_id: UUID = Field(description="The node to make the head.")


@register
class ReplayRecipe(Message):
    """Apply a recipe's operations to the session's head as one new version (handled by
    versioning). The task id is the envelope's correlation id."""

    TYPE = "ReplayRecipe"

    session_id: UUID = Field(description="The session.")
    plan: Plan = Field(description="Every step of the recipe, in order.")
    description: Prose = Field(description="One line saying what is replayed.")


@register
class ExpireTask(Message):
    """Stop a session's running task that has had no news for too long, so the session's
    queue moves on (versioning sends it to itself). A task that has moved on is left alone."""

    TYPE = "ExpireTask"

    session_id: UUID = Field(description="The task's session.")
    task_id: UUID = Field(description="The task.")
    stage: Label = Field(description="The last stage it reached.")
    silent_since: AwareDatetime = Field(description="When it was last heard of (UTC).")
    waited_s: float = Field(ge=0, description="How long it has been silent, in seconds.")


DeletionReason = Literal["requested", "retention"]
"""Why a session is deleted: its owner asked, or it was idle past the retention period."""


@register
class DeleteSession(Message):
    """Delete a session for good: its stored data, its read models, and every event of it but
    the deletion itself, made unreadable (handled by versioning). Deleting twice is harmless."""

    TYPE = "DeleteSession"

    session_id: UUID = Field(description="The session.")
    owner: Label | None = Field(
        default=None,
        description="Id of the API key asking (it must own the session); none for retention.",
    )
    reason: DeletionReason = Field(default="requested", description="Why it is deleted.")
