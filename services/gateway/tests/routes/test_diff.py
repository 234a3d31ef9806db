"""The diff of two versions over HTTP."""

from __future__ import annotations

import httpx
import pyarrow as pa

from services.gateway.tests.routes.stored_versions import PEOPLE, Versions, node_path


async def test_the_diff_of_two_versions(data_views: httpx.AsyncClient, versions: Versions) -> None:
    kept = [row for row in PEOPLE.to_pylist() if row["id"] != 3]
    cleaned = pa.table(
        {
            "id": [float(row["id"]) for row in kept],
            "city": [row["city"] or "unknown" for row in kept],
            "score": [row["score"] for row in kept],
        }
    )
    before, after = versions.add(PEOPLE), versions.add(cleaned)
    response = await data_views.get(node_path(before, f"diff/{after}"))
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
