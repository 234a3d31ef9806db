"""A session's versions, stored as Parquet files and their nodes kept in memory, for the data
views."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pyarrow as pa
import pyarrow.parquet as pq

from modulardata.gateway.adapters.memory_read_models import MemoryReadModels
from modulardata.readmodels.views import NodeView, SessionView
from modulardata.storage import LocalStorage

NOW = datetime.now(UTC)


SESSION = SessionView(session_id=uuid4(), owner="me", created_at=NOW, updated_at=NOW)


class Versions:
    """The session's nodes, each stored as a Parquet file, its row in the read models."""

    def __init__(self, storage: LocalStorage) -> None:
        self.storage = storage
        self.read_models = MemoryReadModels()
        self.nodes: dict[UUID, NodeView] = {}
        self._positions = itertools.count()

    def add(self, table: pa.Table, *, session_id: UUID = SESSION.session_id) -> UUID:
        node_id = uuid4()
        key = f"nodes/{node_id}.parquet"
        with self.storage.writer(key) as sink:
            pq.write_table(table, sink, row_group_size=100)
        node = NodeView(
            node_id=node_id,
            session_id=session_id,
            storage_uri=self.storage.uri_for(key),
            content_hash="0" * 64,
            row_count=table.num_rows,
            column_count=table.num_columns,
            columns=[{"name": f.name, "dtype": str(f.type)} for f in table.schema],
            description="test",
            created_at=NOW,
            position=next(self._positions),
        )
        self.nodes[node_id] = node
        self.read_models.add(node)
        return node_id


def node_path(node_id: UUID, view: str) -> str:
    return f"/v1/sessions/{SESSION.session_id}/nodes/{node_id}/{view}"


PEOPLE = pa.table(
    {
        "id": list(range(250)),
        "city": ["Oslo", None, "Lima", "Rome", "Oslo"] * 50,
        "score": [1.5, float("nan"), 2.0, None, 3.25] * 50,
    }
)
