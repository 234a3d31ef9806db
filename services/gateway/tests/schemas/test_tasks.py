"""A task's response, built from what the read model says of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from modulardata.gateway.application.read_models import OwnedTask
from modulardata.gateway.schemas.tasks import TaskResponse
from modulardata.readmodels.views import TaskView

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
LATER = NOW + timedelta(seconds=3)


def task_view(**fields: object) -> TaskView:
    values: dict[str, object] = {
        "task_id": uuid4(),
        "session_id": uuid4(),
        "status": "running",
        "stage": "ingesting",
        "events": [{"type": "TaskProgressed", "stage": "ingesting", "at": LATER.isoformat()}],
        "created_at": LATER,
        "updated_at": LATER,
    }
    return TaskView.model_validate(values | fields)


def test_an_accepted_task_unknown_to_the_read_model_is_queued() -> None:
    task = OwnedTask(uuid4(), uuid4(), "upload", NOW, None)
    body = TaskResponse.of(task).model_dump(mode="json")
    assert body["status"] == body["stage"] == "queued"
    assert (body["events"], body["result"], body["error"]) == ([], None, None)
    assert body["created_at"] == body["updated_at"] == "2026-01-02T03:04:05Z"


def test_a_running_task_reports_its_stage_and_events() -> None:
    view = task_view()
    body = TaskResponse.of(OwnedTask(view.task_id, view.session_id, "upload", NOW, view))
    assert (body.status, body.stage, body.result, body.error) == (
        "running",
        "ingesting",
        None,
        None,
    )
    assert body.events == view.events
    assert (body.created_at, body.updated_at) == (NOW, LATER)


def test_a_succeeded_task_has_its_node_as_result() -> None:
    node_id = uuid4()
    view = task_view(status="succeeded", stage="succeeded", node_id=node_id)
    body = TaskResponse.of(OwnedTask(view.task_id, view.session_id, "upload", NOW, view))
    assert body.result is not None and body.result.node_id == node_id
    assert body.error is None


def test_a_failed_task_has_its_error() -> None:
    view = task_view(status="failed", stage="failed", error_code="header_only", error="no rows")
    body = TaskResponse.of(OwnedTask(view.task_id, view.session_id, "upload", NOW, view))
    assert body.error is not None
    assert (body.error.code, body.error.message) == ("header_only", "no rows")
    assert body.result is None


def test_a_succeeded_chat_task_carries_plan_code_summary_and_reply() -> None:
    plan = {"operations": [{"kind": "drop_duplicates", "columns": [], "keep": "first"}]}
    summary = {"rows_before": 21, "rows_after": 20}
    view = task_view(
        status="succeeded",
        stage="succeeded",
        node_id=uuid4(),
        plan=plan,
        code="df = df.drop_duplicates()",
        explanation="Remove duplicate rows.",
        summary=summary,
        reply="Remove duplicate rows. (21 -> 20 rows)",
    )
    body = TaskResponse.of(OwnedTask(view.task_id, view.session_id, "chat", NOW, view))
    assert body.result is not None and body.result.summary is not None
    assert (body.result.plan, body.result.code) == (plan, "df = df.drop_duplicates()")
    assert (body.result.summary.rows_before, body.result.summary.rows_after) == (21, 20)
    assert body.result.message == "Remove duplicate rows. (21 -> 20 rows)"
    assert body.finished and body.error is None


def test_a_task_waiting_for_an_answer_carries_its_question() -> None:
    view = task_view(status="needs_input", stage="needs_input", question="Which column?")
    body = TaskResponse.of(OwnedTask(view.task_id, view.session_id, "chat", NOW, view))
    assert (body.status, body.question, body.result, body.error) == (
        "needs_input",
        "Which column?",
        None,
        None,
    )
    assert body.finished
