"""The vocabulary of tasks, shared by every service and the read models: kinds, stages and
statuses."""

from __future__ import annotations

from typing import Literal, get_args

TaskKind = Literal["chat", "head_move", "replay"]
"""What a session task does: answer a chat message, move the head, or replay a recipe (an
upload's task runs outside the session's queue)."""

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
