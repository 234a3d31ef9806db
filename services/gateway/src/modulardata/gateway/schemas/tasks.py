"""A task's bodies: accepted (202), and where it stands (its stage, result, question or error)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from uuid import UUID

from pydantic import BaseModel, Field

from modulardata.contracts.tasks import FINISHED_STATUSES, TaskStatus
from modulardata.contracts.values import ChangeSummary
from modulardata.gateway.application.read_models import OwnedTask
from modulardata.gateway.schemas.errors import ErrorDetail
from modulardata.gateway.schemas.examples import FINISHED_TASK, ROOT_ID, SESSION_ID, TASK_ID, shown


@shown(
    {
        "task_id": TASK_ID,
        "session_id": SESSION_ID,
        "status": "succeeded",
        "node_id": ROOT_ID,
    }
)
class TaskAcceptedResponse(BaseModel):
    """A task was accepted; follow it at GET /v1/tasks/{task_id}."""

    task_id: UUID
    session_id: UUID
    status: TaskStatus = Field(description="Where the task stood when the answer was sent.")
    node_id: UUID | None = Field(default=None, description="The version made, once succeeded.")


class TaskResult(BaseModel):
    """What a finished task produced."""

    node_id: UUID | None = Field(
        description="The version made (or, for a head move or undo, the new head)."
    )
    plan: dict[str, Any] | None = Field(
        default=None, description="The operations applied, as a Plan: {operations: [...]}."
    )
    code: str | None = Field(default=None, description="The pandas code that ran.")
    explanation: str | None = Field(default=None, description="What was done, in one line.")
    summary: ChangeSummary | None = Field(
        default=None, description="Rows and columns before and after."
    )
    message: str | None = Field(default=None, description="The assistant's reply in the chat.")


@shown(FINISHED_TASK)
class TaskResponse(BaseModel):
    """Where a task stands."""

    task_id: UUID
    session_id: UUID
    kind: str = Field(description="What the task does: upload, chat, head_move or replay.")
    status: TaskStatus
    stage: str = Field(
        description="The latest stage reached: queued, ingesting, thinking, generating_code, "
        "testing, executing, profiling, committing, then succeeded, failed or needs_input."
    )
    events: list[dict[str, Any]] = Field(description="Stages reached, with their times.")
    result: TaskResult | None = Field(description="Set once the task succeeded.")
    question: str | None = Field(
        default=None, description="For needs_input: what the user is asked; reply with a message."
    )
    error: ErrorDetail | None = Field(description="Set when the task failed.")
    created_at: datetime
    updated_at: datetime

    @property
    def finished(self) -> bool:
        """Whether the task has reached its final status."""
        return self.status in FINISHED_STATUSES

    @classmethod
    def of(cls, task: OwnedTask) -> TaskResponse:
        """The response for a task: queued until the read model knows it."""
        view = task.view
        common = {"task_id": task.task_id, "session_id": task.session_id, "kind": task.kind}
        if view is None:
            return cls(
                **common,
                status="queued",
                stage="queued",
                events=[],
                result=None,
                error=None,
                created_at=task.created_at,
                updated_at=task.created_at,
            )
        result = (
            TaskResult(
                node_id=view.node_id,
                plan=view.plan,
                code=view.code,
                explanation=view.explanation,
                summary=ChangeSummary.model_validate(view.summary) if view.summary else None,
                message=view.reply,
            )
            if view.status == "succeeded"
            else None
        )
        error = (
            ErrorDetail(code=view.error_code or "task_failed", message=view.error or "")
            if view.status == "failed"
            else None
        )
        return cls(
            **common,
            status=cast(TaskStatus, view.status),
            stage=view.stage,
            events=view.events,
            result=result,
            question=view.question,
            error=error,
            created_at=task.created_at,
            updated_at=view.updated_at,
        )
