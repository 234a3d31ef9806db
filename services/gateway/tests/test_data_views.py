"""The data views over HTTP: a page of rows, an Excel download and a diff of two versions.

The routers run in a bare app with the gateway's error handlers; the caller's session is given
and nodes are looked up in memory, so no database is needed.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi import FastAPI
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.gateway.adapters import readmodel_queries
from modulardata.gateway.api.deps import get_engine, get_storage, owned_session
from modulardata.gateway.api.error_responses import install_error_handlers
from modulardata.gateway.application.data_export import XLSX_MAX_ROWS
from modulardata.gateway.config import GatewaySettings
from modulardata.gateway.exceptions import NotFound
from modulardata.gateway.main import create_app
from modulardata.gateway.routes import data, diff
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


@pytest.fixture
def versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Versions:
    versions = Versions(LocalStorage(tmp_path))
    monkeypatch.setattr(readmodel_queries, "session_node", versions.session_node)
    return versions


@pytest.fixture
async def client(versions: Versions) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)
    for module in (data, diff):
        app.include_router(module.router)
    app.dependency_overrides[owned_session] = lambda: SESSION
    app.dependency_overrides[get_storage] = lambda: versions.storage
    app.dependency_overrides[get_engine] = lambda: None
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


def node_path(node_id: UUID, view: str) -> str:
    return f"/v1/sessions/{SESSION.session_id}/nodes/{node_id}/{view}"


PEOPLE = pa.table(
    {
        "id": list(range(250)),
        "city": ["Oslo", None, "Lima", "Rome", "Oslo"] * 50,
        "score": [1.5, float("nan"), 2.0, None, 3.25] * 50,
    }
)


async def test_a_page_of_rows(client: httpx.AsyncClient, versions: Versions) -> None:
    node_id = versions.add(PEOPLE)
    response = await client.get(node_path(node_id, "rows"), params={"offset": 199, "limit": 3})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "node_id": str(node_id),
        "columns": [
            {"name": "id", "dtype": "int64"},
            {"name": "city", "dtype": "string"},
            {"name": "score", "dtype": "double"},
        ],
        "rows": [
            {"id": 199, "city": "Oslo", "score": 3.25},
            {"id": 200, "city": "Oslo", "score": 1.5},
            {"id": 201, "city": None, "score": None},
        ],
        "offset": 199,
        "limit": 3,
        "total_rows": 250,
    }


async def test_rows_default_to_the_first_fifty(
    client: httpx.AsyncClient, versions: Versions
) -> None:
    body = (await client.get(node_path(versions.add(PEOPLE), "rows"))).json()
    assert (body["offset"], body["limit"], len(body["rows"])) == (0, 50, 50)


async def test_rows_past_the_end_are_an_empty_page(
    client: httpx.AsyncClient, versions: Versions
) -> None:
    response = await client.get(node_path(versions.add(PEOPLE), "rows"), params={"offset": 250})
    assert (response.status_code, response.json()["rows"]) == (200, [])


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "x"}])
async def test_a_bad_range_is_a_422(
    client: httpx.AsyncClient, versions: Versions, params: dict[str, Any]
) -> None:
    response = await client.get(node_path(versions.add(PEOPLE), "rows"), params=params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_unknown_or_missing_nodes_are_404s(
    client: httpx.AsyncClient, versions: Versions
) -> None:
    elsewhere = versions.add(PEOPLE, session_id=uuid4())
    gone = versions.add(PEOPLE)
    versions.storage.delete(versions.nodes[gone].storage_uri)
    missing = [(uuid4(), "node_not_found"), (elsewhere, "node_not_found"), (gone, "data_not_found")]
    for node_id, code in missing:
        for view in ("rows", "data?format=xlsx", f"diff/{node_id}"):
            response = await client.get(node_path(node_id, view))
            assert (response.status_code, response.json()["error"]["code"]) == (404, code), view


async def test_an_excel_download(client: httpx.AsyncClient, versions: Versions) -> None:
    node_id = versions.add(PEOPLE)
    response = await client.get(node_path(node_id, "data"), params={"format": "xlsx"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert f'filename="{node_id}.xlsx"' in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[:3] == [("id", "city", "score"), (0, "Oslo", 1.5), (1, None, None)]
    assert len(rows) == 251


async def test_a_version_too_long_for_excel_is_a_422(
    client: httpx.AsyncClient, versions: Versions
) -> None:
    node_id = versions.add(PEOPLE)
    versions.nodes[node_id].row_count = XLSX_MAX_ROWS + 1
    response = await client.get(node_path(node_id, "data"), params={"format": "xlsx"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "too_many_rows_for_xlsx"


async def test_the_diff_of_two_versions(client: httpx.AsyncClient, versions: Versions) -> None:
    kept = [row for row in PEOPLE.to_pylist() if row["id"] != 3]
    cleaned = pa.table(
        {
            "id": [float(row["id"]) for row in kept],
            "city": [row["city"] or "unknown" for row in kept],
            "score": [row["score"] for row in kept],
        }
    )
    before, after = versions.add(PEOPLE), versions.add(cleaned)
    response = await client.get(node_path(before, f"diff/{after}"))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "from_node_id": str(before),
        "to_node_id": str(after),
        "rows_before": 250,
        "rows_after": 249,
        "rows_added": 0,
        "rows_removed": 1,
        "rows_changed": 50,
        "columns_added": [],
        "columns_removed": [],
        "columns_retyped": [{"name": "id", "from": "int64", "to": "double"}],
        "cells_changed": {"city": 50},
    }


def test_the_app_serves_the_data_views(tmp_path: Path) -> None:
    app = create_app(GatewaySettings(storage_url=tmp_path.as_uri(), create_topics=False))
    paths = set(app.openapi()["paths"])
    assert {
        "/v1/sessions/{session_id}/nodes/{node_id}/rows",
        "/v1/sessions/{session_id}/nodes/{node_id}/data",
        "/v1/sessions/{session_id}/nodes/{from_node_id}/diff/{to_node_id}",
    } <= paths
