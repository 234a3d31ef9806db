"""Reads of a version's lineage: the nodes from its upload to it, and the messages that asked."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from modulardata.gateway.exceptions import NotFound
from modulardata.readmodels.views import ChatLogView, NodeView


@dataclass(frozen=True)
class Lineage:
    """The nodes from the session's upload to a node, in order, and their messages' text."""

    nodes: list[NodeView]
    messages: dict[UUID, str]


async def lineage(engine: AsyncEngine, session_id: UUID, node_id: UUID) -> Lineage:
    """The path to `node_id` through its parents; NotFound when the session has no such node."""
    async with AsyncSession(engine) as session:
        rows = await session.exec(select(NodeView).where(NodeView.session_id == session_id))
        nodes = {node.node_id: node for node in rows}
        if node_id not in nodes:
            raise NotFound(
                f"node {node_id} not found in session {session_id}", code="node_not_found"
            )
        path = [nodes[node_id]]
        while (parent := path[-1].parent_id) is not None and parent in nodes:
            path.append(nodes[parent])
        path.reverse()
        asked = [node.created_by_message_id for node in path if node.created_by_message_id]
        chats = await session.exec(
            select(ChatLogView).where(col(ChatLogView.chat_message_id).in_(asked))
        )
        return Lineage(path, {chat.chat_message_id: chat.text for chat in chats})
