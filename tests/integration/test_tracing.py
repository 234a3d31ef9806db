"""One chat message is one trace, from the gateway's request to the commit, across every
service: spans exported over OTLP to a stand-in collector."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import new_session, upload, wait_for, wait_task
from tests.support.infrastructure import Source
from tests.support.otlp_collector import OtlpCollector
from tests.support.postgres import fresh_database
from tests.support.stack import Stack

SERVICES = {f"modulardata-{name}" for name in ("gateway", "versioning", "agents", "executor")}
"""The services a chat message passes through (the profiler too, checked on its own)."""


@pytest.fixture(scope="module")
def collector() -> Iterator[OtlpCollector]:
    running = OtlpCollector()
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def traced_stack(
    infrastructure: Source, collector: OtlpCollector, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    with fresh_database("tracing") as database_url:
        running = Stack(
            database_url=database_url,
            workdir=tmp_path_factory.mktemp("tracing"),
            extra_env={
                "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
                "OTEL_BSP_SCHEDULE_DELAY": "100",
                # Other tests quiet CrewAI in this process, which turns the SDK off.
                "OTEL_SDK_DISABLED": "false",
            },
        )
        try:
            running.start()
            yield running
        finally:
            running.stop()


def test_a_chat_message_is_one_trace_across_the_services(
    traced_stack: Stack, collector: OtlpCollector
) -> None:
    with traced_stack.client() as client:
        session = new_session(client)
        uploaded = upload(client, session, b"name,age\n ann ,3\nbob,\n")
        assert wait_task(client, uploaded.json()["task_id"])["status"] == "succeeded"
        sent = client.post(
            f"/v1/sessions/{session}/messages", json={"message": "drop rows where age is missing"}
        )
        assert sent.status_code == 202, sent.text
        task = sent.json()["task_id"]
        assert wait_task(client, task)["status"] == "succeeded"

    def request_span() -> str | None:
        return next(
            (
                s.trace_id
                for s in collector.spans
                if s.service == "modulardata-gateway"
                and s.name.startswith("POST /v1/sessions/")
                and s.name.endswith("/messages")
            ),
            None,
        )

    trace_id = wait_for(request_span, timeout_s=10, what="the chat request's span")

    def whole_trace() -> list[str] | None:
        spans = [s for s in collector.spans if s.trace_id == trace_id]
        names = [s.name for s in spans]
        done = SERVICES <= {s.service for s in spans} and "handle ProfileVersion" in names
        return names if done and "handle DatasetProfiled" in names else None

    names = wait_for(whole_trace, timeout_s=15, what="every service's spans in the trace")
    for step in ("SendChatMessage", "PlanChatMessage", "ExecuteTransformation", "ProfileVersion"):
        assert f"handle {step}" in names
    spans = [s for s in collector.spans if s.trace_id == trace_id]
    ids = {s.span_id for s in spans}
    roots = [s for s in spans if not s.parent_span_id or s.parent_span_id not in ids]
    assert [s.service for s in roots] == ["modulardata-gateway"]  # one tree, from the request
    handled = [s for s in spans if s.name.startswith("handle ")]
    assert {
        s.attributes["modulardata.task_id"]
        for s in handled
        if s.service != "modulardata-versioning"
    } == {task}
