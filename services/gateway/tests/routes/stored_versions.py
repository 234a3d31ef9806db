"""A session's versions, stored as Parquet files and looked up in memory, for the data views."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.gateway.exceptions import NotFound
from modulardata.readmodels.views import NodeView, SessionView
from modulardata.storage import LocalStorage

NOW = datetime.now(UTC)


SESSION = SessionView(session_id=uuid4(), owner="me", created_at=NOW, updated_at=NOW)


class Versions:
    """The session's nodes, each stored as a Parquet file."""

    def __init__(self, storage: LocalStorage) -> None:
        self.storage = storage
        self.nodes: dict[UUID, NodeView] = {}

    def add(self, table: pa.Table, *, session_id: UUID = SESSION.session_id) -> UUID:
        node_id = uuid4()
        key = f"nodes/{node_id}.parquet"
        with self.storage.writer(key) as sink:
            pq.write_table(table, sink, row_group_size=100)
        self.nodes[node_id] = NodeView(
            node_id=node_id,
            session_id=session_id,
            storage_uri=self.storage.uri_for(key),
            content_hash="0" * 64,
            row_count=table.num_rows,
            column_count=table.num_columns,
            columns=[{"name": f.name, "dtype": str(f.type)} for f in table.schema],
            description="test",
            created_at=NOW,
            position=len(self.nodes),
        )
        return node_id

    async def session_node(self, engine: AsyncEngine, session_id: UUID, node_id: UUID) -> NodeView:
        node = self.nodes.get(node_id)
        if node is None or node.session_id != session_id:
            raise NotFound(f"node {node_id} not found", code="node_not_found")
        return node


def node_path(node_id: UUID, view: str) -> str:
    return f"/v1/sessions/{SESSION.session_id}/nodes/{node_id}/{view}"


PEOPLE = pa.table(
    {
        "id": list(range(250)),
        "city": ["Oslo", None, "Lima", "Rome", "Oslo"] * 50,
        "score": [1.5, float("nan"), 2.0, None, 3.25] * 50,
    }
)
