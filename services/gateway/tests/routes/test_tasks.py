"""Tasks: their errors, and those that did not come through the gateway."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx

from modulardata.gateway.adapters.gateway_tables import AcceptedTask
from modulardata.readmodels.views import TaskView
from services.gateway.tests.harness import NOW
from services.gateway.tests.routes.stored_versions import SESSION, Versions


def _task(status: str, stage: str, **fields: Any) -> TaskView:
    return TaskView(
        task_id=uuid4(),
        session_id=SESSION.session_id,
        status=status,
        stage=stage,
        events=[],
        created_at=NOW,
        updated_at=NOW,
        **fields,
    )


async def test_a_failed_task_reports_its_error(
    read_views: httpx.AsyncClient, versions: Versions
) -> None:
    failed = _task(
        "failed", "failed", error_code="header_only", error="the file has a header but no rows"
    )
    accepted = AcceptedTask(
        task_id=failed.task_id, session_id=SESSION.session_id, owner=SESSION.owner, kind="upload"
    )
    versions.read_models.add(SESSION, accepted, failed)
    task = (await read_views.get(f"/v1/tasks/{failed.task_id}")).json()
    assert (task["status"], task["kind"]) == ("failed", "upload")
    assert task["error"] == {"code": "header_only", "message": "the file has a header but no rows"}
    assert task["result"] is None


async def test_a_task_that_did_not_come_through_the_gateway_is_visible_to_its_owner(
    read_views: httpx.AsyncClient, versions: Versions
) -> None:
    running = _task("running", "ingesting")
    versions.read_models.add(SESSION, running)
    task = (await read_views.get(f"/v1/tasks/{running.task_id}")).json()
    assert (task["status"], task["kind"]) == ("running", "unknown")
    someone_else = {"Authorization": "Bearer someone-else"}
    hidden = await read_views.get(f"/v1/tasks/{running.task_id}", headers=someone_else)
    assert (hidden.status_code, hidden.json()["error"]["code"]) == (404, "task_not_found")
