"""Traces of a task across the services: OpenTelemetry spans, with the trace context carried in
each envelope (and so kept in the event log for the commands the relay sends later).

Spans are exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; otherwise the API's tracer does nothing, at no
cost. The SDK reads the other standard variables (`OTEL_SERVICE_NAME`, `OTEL_BSP_*`, ...).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from modulardata.contracts.envelope import Envelope

TRACER = trace.get_tracer("modulardata")

_ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def exporting() -> bool:
    """Whether an OTLP endpoint is configured, so spans are to be exported."""
    return any(os.environ.get(name) for name in _ENDPOINTS)


def configure_tracing(service: str) -> None:
    """Export this process's spans as `service` when an OTLP endpoint is configured."""
    if not exporting():
        return
    resource = Resource.create({SERVICE_NAME: f"modulardata-{service}"})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


def stamped(envelope: Envelope) -> Envelope:
    """The envelope in the current span's trace, if a span is recording; else as it is."""
    if not trace.get_current_span().is_recording():
        return envelope
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return envelope.model_copy(update={"trace": carrier})


@contextmanager
def handling(envelope: Envelope, topic: str) -> Iterator[None]:
    """A consumer span for handling `envelope`, in the trace it carries."""
    with TRACER.start_as_current_span(
        f"handle {envelope.type}",
        context=propagate.extract(envelope.trace),
        kind=trace.SpanKind.CONSUMER,
        attributes={
            "messaging.destination.name": topic,
            "messaging.message.id": str(envelope.message_id),
            "modulardata.session_id": str(envelope.session_id),
            "modulardata.task_id": str(envelope.correlation_id),
        },
    ):
        yield
