"""Request and response bodies of the REST API, built from the read models."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from modulardata.contracts.operations import Plan
from modulardata.contracts.text import Name
from modulardata.contracts.values import ChangeSummary, ColumnSchema
from modulardata.gateway.adapters.readmodel_queries import History, OwnedTask
from modulardata.readmodels.views import FINISHED_STATUSES, SessionView


class ErrorDetail(BaseModel):
    """What went wrong."""

    code: str = Field(description="Machine-readable error code, e.g. 'session_not_found'.")
    message: str = Field(description="What went wrong, in plain words.")


class RequestErrorDetail(ErrorDetail):
    """Why a request was refused; `field` when it was for one of its fields."""

    field: str | None = Field(
        default=None,
        description="For a 422: the first field refused, e.g. 'body.name' or 'query.offset'.",
    )


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: RequestErrorDetail


class UploadErrorDetail(RequestErrorDetail):
    """Why an upload was refused; `task_id` once the upload was accepted and then read."""

    task_id: UUID | None = Field(
        default=None, description="The task that read the file, when the profiler refused it."
    )


class UploadErrorBody(BaseModel):
    """The body of an upload's error response."""

    error: UploadErrorDetail


class Health(BaseModel):
    """The gateway can serve requests."""

    status: Literal["ok"] = "ok"


class CreateSessionRequest(BaseModel):
    """Options for a new session."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = Field(default=None, description="Optional display name.")


class SessionCreatedResponse(BaseModel):
    """A session that exists."""

    session_id: UUID
    name: str | None
    created_at: datetime


class SessionDeletingResponse(BaseModel):
    """A deletion that was accepted but is not finished yet; GET /v1/sessions/{id} answers 404
    once it is."""

    session_id: UUID
    status: Literal["deleting"] = "deleting"


TaskStatus = Literal["queued", "running", "succeeded", "failed", "needs_input"]


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


class SessionResponse(BaseModel):
    """A session and where its head is."""

    session_id: UUID
    name: str | None
    created_at: datetime
    updated_at: datetime
    head_node_id: UUID | None
    node_count: int

    @classmethod
    def of(cls, view: SessionView, node_count: int) -> SessionResponse:
        """The response for a session row."""
        return cls(
            session_id=view.session_id,
            name=view.name,
            created_at=view.created_at,
            updated_at=view.updated_at,
            head_node_id=view.head_node_id,
            node_count=node_count,
        )


MAX_OFFSET = 2**31 - 1
"""Largest page offset taken (PostgreSQL's `integer`, past any real page); beyond it a 422."""


class SessionListResponse(BaseModel):
    """One page of the caller's sessions, newest first."""

    sessions: list[SessionResponse]
    total: int = Field(description="How many sessions the caller has in all.")
    limit: int
    offset: int


class NodeResponse(BaseModel):
    """One dataset version of a session."""

    node_id: UUID
    parent_id: UUID | None
    created_at: datetime
    row_count: int
    column_count: int
    columns: list[ColumnSchema]
    description: str
    message: str | None = Field(description="The chat message that made it; None for uploads.")
    is_head: bool
    task_id: UUID | None = Field(default=None, description="The task that made it.")
    plan: dict[str, Any] | None = Field(
        default=None, description="The operations that made it from its parent; None for uploads."
    )
    code: str | None = Field(default=None, description="The pandas code those operations ran.")


class MessageResponse(BaseModel):
    """One chat message of a session."""

    chat_message_id: UUID
    role: str
    text: str
    node_id: UUID | None = Field(description="The version the message led to, if any.")
    task_id: UUID | None = Field(description="The task that answered it (or it answers).")
    created_at: datetime


class HistoryResponse(BaseModel):
    """A session's versions and conversation, each in the order they were made."""

    session_id: UUID
    head_node_id: UUID | None
    nodes: list[NodeResponse]
    messages: list[MessageResponse]

    @classmethod
    def of(cls, view: SessionView, history: History) -> HistoryResponse:
        """The response for a session and its history."""
        texts = {message.chat_message_id: message.text for message in history.messages}
        nodes = [
            NodeResponse(
                node_id=node.node_id,
                parent_id=node.parent_id,
                created_at=node.created_at,
                row_count=node.row_count,
                column_count=node.column_count,
                columns=[ColumnSchema.model_validate(column) for column in node.columns],
                description=node.description,
                message=texts.get(node.created_by_message_id)
                if node.created_by_message_id
                else None,
                is_head=node.node_id == view.head_node_id,
                task_id=node.task_id,
                plan=node.plan,
                code=Plan.model_validate(node.plan).compile() if node.plan else None,
            )
            for node in history.nodes
        ]
        messages = [
            MessageResponse(
                chat_message_id=message.chat_message_id,
                role=message.role,
                text=message.text,
                node_id=message.node_id,
                task_id=message.task_id,
                created_at=message.created_at,
            )
            for message in history.messages
        ]
        return cls(
            session_id=view.session_id,
            head_node_id=view.head_node_id,
            nodes=nodes,
            messages=messages,
        )
