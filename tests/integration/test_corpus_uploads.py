"""The corpus through the REST API: refusals are 4xx naming the problem; the rest is read."""

from __future__ import annotations

import httpx
import pytest

from tests.data.corpus import CASES, Case
from tests.integration.conftest import new_session, upload, wait_profile

STATUS = {
    "empty_file": 400,
    "header_only": 400,
    "too_many_rows": 422,
    "too_many_columns": 422,
    "not_text": 415,
    "undecodable": 422,
    "unterminated_quote": 422,
    "unreadable": 422,
}
READ_THROUGH_THE_API = ("people.xlsx", "utf16.csv", "cp1252.csv", "people.json", "ragged.csv")


@pytest.mark.parametrize("case", [c for c in CASES if c.refused], ids=lambda c: c.name)
def test_a_refused_file_is_a_4xx_naming_the_problem(client: httpx.Client, case: Case) -> None:
    session_id = new_session(client)
    response = upload(client, session_id, case.content, case.name)
    assert response.status_code == STATUS[str(case.code)], response.text
    error = response.json()["error"]
    assert error["code"] == case.code
    assert case.reason is not None and case.reason in error["message"]
    assert client.get(f"/v1/sessions/{session_id}/history").json()["nodes"] == []


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.name in READ_THROUGH_THE_API], ids=lambda c: c.name
)
def test_other_formats_become_versions_with_a_profile(client: httpx.Client, case: Case) -> None:
    session_id = new_session(client)
    response = upload(client, session_id, case.content, case.name)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "succeeded", body
    profile = wait_profile(client, session_id, body["node_id"])
    assert [c["name"] for c in profile["columns"]] == case.columns
    assert profile["row_count"] == case.rows
