"""A version's data over HTTP: a page of rows, and downloads (Excel among them)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from modulardata.gateway.application.data_export import XLSX_MAX_ROWS
from modulardata.gateway.config import GatewaySettings
from modulardata.gateway.main import create_app
from services.gateway.tests.routes.stored_versions import PEOPLE, Versions, node_path


async def test_a_page_of_rows(data_views: httpx.AsyncClient, versions: Versions) -> None:
    node_id = versions.add(PEOPLE)
    response = await data_views.get(node_path(node_id, "rows"), params={"offset": 199, "limit": 3})
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
    data_views: httpx.AsyncClient, versions: Versions
) -> None:
    body = (await data_views.get(node_path(versions.add(PEOPLE), "rows"))).json()
    assert (body["offset"], body["limit"], len(body["rows"])) == (0, 50, 50)


async def test_rows_past_the_end_are_an_empty_page(
    data_views: httpx.AsyncClient, versions: Versions
) -> None:
    response = await data_views.get(node_path(versions.add(PEOPLE), "rows"), params={"offset": 250})
    assert (response.status_code, response.json()["rows"]) == (200, [])


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "x"}])
async def test_a_bad_range_is_a_422(
    data_views: httpx.AsyncClient, versions: Versions, params: dict[str, Any]
) -> None:
    response = await data_views.get(node_path(versions.add(PEOPLE), "rows"), params=params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_unknown_or_missing_nodes_are_404s(
    data_views: httpx.AsyncClient, versions: Versions
) -> None:
    elsewhere = versions.add(PEOPLE, session_id=uuid4())
    gone = versions.add(PEOPLE)
    versions.storage.delete(versions.nodes[gone].storage_uri)
    missing = [(uuid4(), "node_not_found"), (elsewhere, "node_not_found"), (gone, "data_not_found")]
    for node_id, code in missing:
        for view in ("rows", "data?format=xlsx", f"diff/{node_id}"):
            response = await data_views.get(node_path(node_id, view))
            assert (response.status_code, response.json()["error"]["code"]) == (404, code), view


async def test_an_excel_download(data_views: httpx.AsyncClient, versions: Versions) -> None:
    node_id = versions.add(PEOPLE)
    response = await data_views.get(node_path(node_id, "data"), params={"format": "xlsx"})
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
    data_views: httpx.AsyncClient, versions: Versions
) -> None:
    node_id = versions.add(PEOPLE)
    too_long = versions.nodes[node_id].model_copy(update={"row_count": XLSX_MAX_ROWS + 1})
    versions.read_models.add(too_long)
    response = await data_views.get(node_path(node_id, "data"), params={"format": "xlsx"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "too_many_rows_for_xlsx"


def test_the_app_serves_the_data_views(tmp_path: Path) -> None:
    app = create_app(GatewaySettings(storage_url=tmp_path.as_uri(), create_topics=False))
    paths = set(app.openapi()["paths"])
    assert {
        "/v1/sessions/{session_id}/nodes/{node_id}/rows",
        "/v1/sessions/{session_id}/nodes/{node_id}/data",
        "/v1/sessions/{session_id}/nodes/{from_node_id}/diff/{to_node_id}",
    } <= paths
