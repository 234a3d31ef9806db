"""Every version gets a profile: uploads at once, committed versions from the event log."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.parquet as pq

from modulardata.contracts import topics
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import DatasetIngested
from modulardata.contracts.values import ColumnSchema
from tests.integration.conftest import new_session, upload, wait_for, wait_profile, wait_task
from tests.support import kafka
from tests.support.stack import Stack

CUSTOMERS = Path(__file__).parents[2] / "examples" / "customers.csv"


def test_an_upload_is_profiled_and_the_profile_served_as_json_and_text(
    client: httpx.Client,
) -> None:
    session_id = new_session(client)
    accepted = upload(client, session_id, CUSTOMERS, "customers.csv")
    assert accepted.status_code == 202, accepted.text
    node_id = wait_task(client, accepted.json()["task_id"])["result"]["node_id"]
    profile = wait_profile(client, session_id, node_id)
    assert (profile["row_count"], profile["column_count"]) == (21, 8)
    assert profile["source"]["format"] == "csv"
    kinds = {(f["kind"], f["column"]) for f in profile["findings"]}
    assert ("case_variants", "city") in kinds
    assert ("numbers_as_text", "lifetime_value") in kinds
    assert ("duplicate_rows", None) in kinds
    assert all(f["fix"] is None or f["fix"]["kind"] for f in profile["findings"])

    text = client.get(f"/v1/sessions/{session_id}/nodes/{node_id}/profile?format=text")
    assert text.status_code == 200
    assert text.text.startswith("Dataset: 21 rows x 8 columns")
    assert "'city' has 3 spellings of Berlin" in text.text


def test_a_committed_version_without_a_profile_is_profiled_from_the_log(
    stack: Stack, client: httpx.Client
) -> None:
    """A version that no upload profiled (as a transformation's will be) gets its profile."""
    session_id = new_session(client)
    node_id = uuid.uuid4()
    table = pa.table({"amount": [1.0, 2.0, 2.0, 1000.0], "tag": ["a", "A", "b", None]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    path = stack.workdir / "storage" / "sessions" / session_id / "nodes" / f"{node_id}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    made = DatasetIngested(
        session_id=uuid.UUID(session_id),
        node_id=node_id,
        filename="made.parquet",
        upload_uri=path.as_uri(),
        storage_uri=path.as_uri(),
        content_hash="0" * 64,
        row_count=4,
        column_count=2,
        columns=(
            ColumnSchema(name="amount", dtype="double"),
            ColumnSchema(name="tag", dtype="string"),
        ),
    )
    envelope = Envelope.wrap(made, session_id=uuid.UUID(session_id), correlation_id=uuid.uuid4())
    topic = stack.topic_prefix + topics.PROFILER_EVENTS
    kafka.run(kafka.send_envelopes(stack.kafka, topic, [envelope]))

    def committed() -> bool:
        history = client.get(f"/v1/sessions/{session_id}/history").json()
        return str(node_id) in {node["node_id"] for node in history["nodes"]}

    wait_for(committed, what="the version to be committed")
    profile = wait_profile(client, session_id, str(node_id))
    assert profile["source"] is None
    assert [c["name"] for c in profile["columns"]] == ["amount", "tag"]
    assert any(f["kind"] == "case_variants" for f in profile["findings"])
