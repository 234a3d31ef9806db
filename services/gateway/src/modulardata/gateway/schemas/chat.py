"""Request and response bodies of the chat, timeline and replay endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from modulardata.contracts.text import ChatText
from modulardata.gateway.application.read_models import History
from modulardata.gateway.schemas.examples import (
    AT,
    CLEANED,
    MESSAGE,
    MESSAGE_ID,
    NODE_ID,
    ROOT_ID,
    SESSION_ID,
    TASK_ID,
    shown,
)
from modulardata.readmodels.views import NodeView


@shown({"message": MESSAGE})
class ChatMessageRequest(BaseModel):
    """A chat message: what to do to the session's current version, in plain English."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    message: ChatText = Field(
        description="E.g. 'drop rows where age is missing', 'undo that', 'do the same for price'.",
    )


@shown(
    {
        "task_id": TASK_ID,
        "session_id": SESSION_ID,
        "chat_message_id": MESSAGE_ID,
        "status": "queued",
    }
)
class ChatAcceptedResponse(BaseModel):
    """The message was accepted; follow its task at GET /v1/tasks/{task_id}."""

    task_id: UUID
    session_id: UUID
    chat_message_id: UUID
    status: Literal["queued"] = "queued"


@shown({"node_id": ROOT_ID})
class MoveHeadRequest(BaseModel):
    """Which version becomes the head: the one the next message applies to."""

    model_config = ConfigDict(extra="forbid")

    node_id: UUID = Field(description="A node of the session (older: rollback; newer: redo).")


@shown(
    {
        "session_id": SESSION_ID,
        "task_id": TASK_ID,
        "head_node_id": ROOT_ID,
        "previous_node_id": NODE_ID,
    }
)
class HeadResponse(BaseModel):
    """The head was moved."""

    session_id: UUID
    task_id: UUID
    head_node_id: UUID
    previous_node_id: UUID | None = Field(description="The head when the request was made.")


class Branch(BaseModel):
    """A branch of the version tree, named by its tip (a version nothing was derived from)."""

    tip_node_id: UUID
    length: int = Field(description="Versions from the upload to the tip, both included.")
    is_head_branch: bool = Field(description="Whether the head lies on this branch.")
    description: str = Field(description="How the tip was made.")
    message: str | None = Field(description="The chat message that made the tip, if any.")
    created_at: datetime
    row_count: int
    column_count: int


@shown(
    {
        "session_id": SESSION_ID,
        "head_node_id": NODE_ID,
        "branches": [
            {
                "tip_node_id": NODE_ID,
                "length": 2,
                "is_head_branch": True,
                "description": CLEANED["description"],
                "message": MESSAGE,
                "created_at": AT,
                "row_count": 18,
                "column_count": 8,
            }
        ],
    }
)
class BranchesResponse(BaseModel):
    """Every branch tip of a session, newest first."""

    session_id: UUID
    head_node_id: UUID | None
    branches: list[Branch]

    @classmethod
    def of(cls, session_id: UUID, head: UUID | None, history: History) -> BranchesResponse:
        """The branches of a session's version tree."""
        nodes = {node.node_id: node for node in history.nodes}
        parents = {node.parent_id for node in history.nodes}
        texts = {message.chat_message_id: message.text for message in history.messages}
        tips = [node for node in history.nodes if node.node_id not in parents]
        paths = {tip.node_id: _path(nodes, tip.node_id) for tip in tips}
        branches = [
            Branch(
                tip_node_id=tip.node_id,
                length=len(paths[tip.node_id]),
                is_head_branch=head in paths[tip.node_id],
                description=tip.description,
                message=texts.get(tip.created_by_message_id) if tip.created_by_message_id else None,
                created_at=tip.created_at,
                row_count=tip.row_count,
                column_count=tip.column_count,
            )
            for tip in reversed(tips)
        ]
        return cls(session_id=session_id, head_node_id=head, branches=branches)


def _path(nodes: dict[UUID, NodeView], node_id: UUID | None) -> list[UUID]:
    """The node and its ancestors, up to the root."""
    path: list[UUID] = []
    while node_id is not None and node_id in nodes:
        path.append(node_id)
        node_id = nodes[node_id].parent_id
    return path
