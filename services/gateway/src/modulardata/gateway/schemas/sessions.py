"""A session's bodies: creating, reading, listing and deleting it, and its history."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from modulardata.contracts.text import Name
from modulardata.contracts.values import ColumnSchema
from modulardata.gateway.application.read_models import History
from modulardata.gateway.schemas.examples import (
    AT,
    CLEANED,
    MESSAGE,
    MESSAGE_ID,
    NODE_ID,
    SESSION,
    SESSION_ID,
    TASK_ID,
    UPLOADED,
    shown,
)
from modulardata.readmodels.views import SessionView


@shown({"name": "customers"})
class CreateSessionRequest(BaseModel):
    """Options for a new session."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = Field(default=None, description="Optional display name.")


@shown({"session_id": SESSION_ID, "name": "customers", "created_at": AT})
class SessionCreatedResponse(BaseModel):
    """A session that exists."""

    session_id: UUID
    name: str | None
    created_at: datetime


@shown({"session_id": SESSION_ID, "status": "deleting"})
class SessionDeletingResponse(BaseModel):
    """A deletion that was accepted but is not finished yet; GET /v1/sessions/{id} answers 404
    once it is."""

    session_id: UUID
    status: Literal["deleting"] = "deleting"


@shown(SESSION)
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


@shown({"sessions": [SESSION], "total": 1, "limit": 50, "offset": 0})
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


@shown(
    {
        "session_id": SESSION_ID,
        "head_node_id": NODE_ID,
        "nodes": [UPLOADED, CLEANED],
        "messages": [
            {
                "chat_message_id": MESSAGE_ID,
                "role": "user",
                "text": MESSAGE,
                "node_id": NODE_ID,
                "task_id": TASK_ID,
                "created_at": AT,
            }
        ],
    }
)
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
                code=node.code,
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
