"""Listing sessions: each key sees its own, newest first, page by page."""

from __future__ import annotations

from tests.integration.conftest import new_session
from tests.support.stack import Stack


def test_a_key_lists_only_its_own_sessions_newest_first(stack: Stack) -> None:
    with stack.client(stack.create_key("lister")) as mine, stack.client() as other:
        other_session = new_session(other)
        created = [new_session(mine) for _ in range(3)]
        listed = mine.get("/v1/sessions").json()
        assert listed["total"] == 3
        assert [s["session_id"] for s in listed["sessions"]] == created[::-1]
        assert all(s["node_count"] == 0 for s in listed["sessions"])
        assert other_session not in {s["session_id"] for s in listed["sessions"]}

        page = mine.get("/v1/sessions", params={"limit": 2, "offset": 2}).json()
        assert [s["session_id"] for s in page["sessions"]] == [created[0]]
        assert (page["limit"], page["offset"], page["total"]) == (2, 2, 3)
        bad = mine.get("/v1/sessions", params={"limit": 0})
        assert bad.status_code == 422
        assert bad.json()["error"]["code"] == "validation_error"
