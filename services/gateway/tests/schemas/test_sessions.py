"""A session's history, built from its nodes and messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from modulardata.gateway.application.read_models import History
from modulardata.gateway.schemas.sessions import HistoryResponse
from modulardata.readmodels.views import ChatLogView, NodeView, SessionView

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
LATER = NOW + timedelta(seconds=3)


def test_history_links_nodes_to_their_messages_and_marks_the_head() -> None:
    session_id, root_id, child_id, message_id = uuid4(), uuid4(), uuid4(), uuid4()
    session = SessionView(
        session_id=session_id, owner="k", head_node_id=child_id, created_at=NOW, updated_at=LATER
    )
    columns = [{"name": "a", "dtype": "int64"}]
    nodes = [
        NodeView(
            node_id=node_id,
            session_id=session_id,
            parent_id=parent,
            storage_uri="file:///x",
            content_hash="0" * 64,
            row_count=2,
            column_count=1,
            columns=columns,
            created_by_message_id=by,
            description=description,
            created_at=NOW,
            position=position,
        )
        for node_id, parent, by, description, position in [
            (root_id, None, None, "Uploaded a.csv", 3),
            (child_id, root_id, message_id, "Dropped nulls", 9),
        ]
    ]
    message = ChatLogView(
        chat_message_id=message_id,
        session_id=session_id,
        role="user",
        text="drop the nulls",
        node_id=child_id,
        created_at=LATER,
        position=8,
    )
    body = HistoryResponse.of(session, History(nodes=nodes, messages=[message]))
    assert [(n.node_id, n.message, n.is_head) for n in body.nodes] == [
        (root_id, None, False),
        (child_id, "drop the nulls", True),
    ]
    assert body.nodes[0].columns[0].dtype == "int64"
    assert [m.text for m in body.messages] == ["drop the nulls"]
    assert body.head_node_id == child_id
