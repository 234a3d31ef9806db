"""Every version gets a profile: uploads at once, committed versions from the event log."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.integration.conftest import new_session, upload, wait_profile, wait_task

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
