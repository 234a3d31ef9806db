"""Upload through the REST API and see node 0 in the history, via the real broker and database."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import httpx
import pyarrow.parquet as pq

from tests.integration.conftest import new_session, upload, wait_task

CUSTOMERS = Path(__file__).parents[2] / "examples" / "customers.csv"


def test_upload_becomes_node_zero_in_the_history(client: httpx.Client) -> None:
    session_id = new_session(client)
    started = time.monotonic()
    accepted = upload(client, session_id, CUSTOMERS, "customers.csv")
    assert accepted.status_code == 202, accepted.text
    task_id = accepted.json()["task_id"]
    task = wait_task(client, task_id)
    print(f"upload -> node 0: {1000 * (time.monotonic() - started):.0f} ms")
    assert task["status"] == "succeeded", task
    node_id = task["result"]["node_id"]
    assert [e["stage"] for e in task["events"]][-1] == "succeeded"

    history = client.get(f"/v1/sessions/{session_id}/history").json()
    assert history["head_node_id"] == node_id
    (node,) = history["nodes"]
    rows = list(csv.reader(CUSTOMERS.open(encoding="utf-8")))
    assert (node["node_id"], node["parent_id"]) == (node_id, None)
    assert (node["row_count"], node["column_count"]) == (len(rows) - 1, len(rows[0]))
    assert node["is_head"] is True
    assert [c["name"] for c in node["columns"]] == rows[0]

    session = client.get(f"/v1/sessions/{session_id}").json()
    assert session["head_node_id"] == node_id


def test_version_data_downloads_as_csv_and_parquet(client: httpx.Client) -> None:
    session_id = new_session(client)
    task = wait_task(client, upload(client, session_id, CUSTOMERS).json()["task_id"])
    node_id = task["result"]["node_id"]
    base = f"/v1/sessions/{session_id}/nodes/{node_id}/data"

    as_csv = client.get(base, params={"format": "csv"})
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    downloaded = list(csv.reader(io.StringIO(as_csv.text)))
    original = list(csv.reader(CUSTOMERS.open(encoding="utf-8")))
    assert downloaded[0] == original[0]
    assert len(downloaded) == len(original)
    assert [r[1] for r in downloaded[1:]] == [r[1] for r in original[1:]]

    as_parquet = client.get(base, params={"format": "parquet"})
    assert as_parquet.status_code == 200
    table = pq.read_table(io.BytesIO(as_parquet.content))
    assert table.num_rows == len(original) - 1
    assert table.column_names == original[0]


def test_a_file_the_profiler_cannot_read_is_refused_with_a_reason(
    client: httpx.Client,
) -> None:
    session_id = new_session(client)
    refused = upload(client, session_id, b"a,b,c\n")
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["code"] == "header_only"
    assert "no data rows" in error["message"]
    task = client.get(f"/v1/tasks/{error['task_id']}").json()
    assert task["status"] == "failed"
    assert task["result"] is None
    assert task["error"]["code"] == "header_only"
    assert client.get(f"/v1/sessions/{session_id}/history").json()["nodes"] == []
