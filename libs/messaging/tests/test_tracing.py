"""The trace context rides in the envelope: a message published in a span is handled in a
child span of the same trace; with tracing off nothing is added."""

from __future__ import annotations

from uuid import uuid4

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from modulardata.contracts import topics
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import HeadMoved
from modulardata.messaging import tracing
from modulardata.messaging.bus import Bus
from modulardata.messaging.settings import KafkaSettings
from modulardata.messaging.tracing import stamped


def _envelope() -> Envelope:
    session = uuid4()
    event = HeadMoved(session_id=session, node_id=uuid4(), previous_node_id=None)
    return Envelope.wrap(event, session_id=session, correlation_id=uuid4())


def test_outside_a_span_an_envelope_is_left_as_it_is() -> None:
    envelope = _envelope()
    assert stamped(envelope) is envelope and envelope.trace == {}


async def test_a_message_sent_in_a_span_is_handled_in_a_child_span_of_its_trace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_SDK_DISABLED", raising=False)  # other tests quiet CrewAI
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    tracer = provider.get_tracer("test")
    # The process's global provider may be another library's already: the bus's spans go here.
    monkeypatch.setattr(tracing, "TRACER", tracer)
    bus = Bus(KafkaBroker(), KafkaSettings(topic_prefix=f"t{uuid4().hex[:6]}."))
    received: list[Envelope] = []

    async def handle(envelope: Envelope) -> None:
        received.append(envelope)
        received_in.append(trace.get_current_span().get_span_context())

    received_in: list[trace.SpanContext] = []
    bus.subscribe(topics.EVENTS, "g", handle)
    async with TestKafkaBroker(bus.broker):
        with tracer.start_as_current_span("request") as request:
            await bus.publish(_envelope(), topics.EVENTS)
    [envelope] = received
    assert (
        envelope.trace["traceparent"].split("-")[1] == f"{request.get_span_context().trace_id:032x}"
    )
    [context] = received_in
    assert context.trace_id == request.get_span_context().trace_id
    handled = [s for s in spans.get_finished_spans() if s.name == f"handle {envelope.type}"]
    assert [s.parent.span_id for s in handled if s.parent] == [request.get_span_context().span_id]
    assert handled[0].attributes is not None
    assert handled[0].attributes["modulardata.task_id"] == str(envelope.correlation_id)
