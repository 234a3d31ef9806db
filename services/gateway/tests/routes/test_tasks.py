"""Tasks: their errors, and those that did not come through the gateway."""

from __future__ import annotations

from uuid import UUID, uuid4

from modulardata.readmodels.views import TaskView
from services.gateway.tests.harness import NOW, Gateway, csv_upload


async def test_a_failed_task_reports_its_error(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(b"a,b\n")
    )
    task_id = UUID(response.json()["task_id"])
    await gateway.add(
        TaskView(
            task_id=task_id,
            session_id=session_id,
            status="failed",
            stage="failed",
            error_code="header_only",
            error="the file has a header but no rows",
            events=[],
            created_at=NOW,
            updated_at=NOW,
        )
    )
    task = (await gateway.client.get(f"/v1/tasks/{task_id}")).json()
    assert task["status"] == "failed"
    assert task["error"] == {"code": "header_only", "message": "the file has a header but no rows"}
    assert task["result"] is None


async def test_a_task_that_did_not_come_through_the_gateway_is_visible_to_its_owner(
    gateway: Gateway,
) -> None:
    session_id, task_id = await gateway.new_session(), uuid4()
    await gateway.add(
        TaskView(
            task_id=task_id,
            session_id=session_id,
            status="running",
            stage="ingesting",
            events=[],
            created_at=NOW,
            updated_at=NOW,
        )
    )
    task = (await gateway.client.get(f"/v1/tasks/{task_id}")).json()
    assert (task["status"], task["kind"]) == ("running", "unknown")
