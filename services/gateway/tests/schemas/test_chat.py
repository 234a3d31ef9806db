"""A session's branches, built from its version tree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from modulardata.gateway.application.read_models import History
from modulardata.gateway.schemas.chat import BranchesResponse
from modulardata.readmodels.views import NodeView

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _node(session_id: UUID, node_id: UUID, parent: UUID | None, position: int) -> NodeView:
    return NodeView(
        node_id=node_id,
        session_id=session_id,
        parent_id=parent,
        storage_uri="file:///x",
        content_hash="0" * 64,
        row_count=position,
        column_count=1,
        columns=[],
        description=f"node {position}",
        created_at=NOW + timedelta(seconds=position),
        position=position,
    )


def test_branches_are_the_tips_newest_first_with_the_head_branch_marked() -> None:
    session_id, root, one, two, branch = uuid4(), uuid4(), uuid4(), uuid4(), uuid4()
    nodes = [
        _node(session_id, root, None, 1),
        _node(session_id, one, root, 2),
        _node(session_id, two, one, 3),
        _node(session_id, branch, root, 4),
    ]
    body = BranchesResponse.of(session_id, one, History(nodes=nodes, messages=[]))
    assert [(b.tip_node_id, b.length, b.is_head_branch) for b in body.branches] == [
        (branch, 2, False),
        (two, 3, True),
    ]
    assert body.head_node_id == one
