"""The vocabulary of tasks, shared by every service and the read models: kinds (and what each
kind's task holds), stages and statuses."""

from __future__ import annotations

from typing import Annotated, Literal, get_args
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from modulardata.contracts.operations import Plan
from modulardata.contracts.text import ChatText, Prose

TaskKind = Literal["chat", "head_move", "replay"]
"""What a session task does: answer a chat message, move the head, or replay a recipe (an
upload's task runs outside the session's queue)."""


class ChatTask(BaseModel):
    """Answer a user's chat message."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["chat"] = "chat"
    chat_message_id: UUID = Field(description="The message.")
    text: ChatText = Field(description="What the user wrote.")


class HeadMoveTask(BaseModel):
    """Move the session's head to one of its versions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["head_move"] = "head_move"
    node_id: UUID = Field(description="The target node.")


class ReplayTask(BaseModel):
    """Apply a recipe's steps to the head, as one new version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["replay"] = "replay"
    plan: Plan = Field(description="The operations.")
    description: Prose = Field(description="One line saying what is replayed.")


TaskSpec = Annotated[ChatTask | HeadMoveTask | ReplayTask, Field(discriminator="kind")]
"""A task of any kind; its `kind` says which."""

TaskStage = Literal[
    "queued",
    "ingesting",
    "thinking",
    "generating_code",
    "testing",
    "executing",
    "profiling",
    "committing",
]
"""The stages a task reports, in the order a chat task reaches them."""

TaskStatus = Literal["queued", "running", "succeeded", "failed", "needs_input"]
"""Where a task stands."""

FINISHED_STATUSES: tuple[TaskStatus, ...] = ("succeeded", "failed", "needs_input")
"""The statuses of a task that has ended."""

STAGES: tuple[TaskStage, ...] = get_args(TaskStage)
"""Every stage, in flow order; a stage reported late never moves a task backwards."""
