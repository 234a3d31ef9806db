"""A chat message's trace as the chain of stages its time went to: each service's handling of
the message on the critical path, and the hop (relay, Kafka, consumer) before each."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence

from tests.support.otlp_collector import ExportedSpan

STAGE_NAMES = {
    "SendChatMessage": "queue",
    "PlanChatMessage": "plan",
    "TransformationPlanned": "record plan",
    "ExecuteTransformation": "execute",
    "TransformationExecuted": "commit",
}
"""What each handled message is, in the words of the issue's stages."""

COMMIT = "TransformationExecuted"
"""The message whose handling ends a chat task; the profile made after it is off the path."""


def stages(
    spans: Iterable[ExportedSpan], task_id: str, sent_ns: int, seen_ns: int
) -> list[tuple[str, float]]:
    """(stage, ms) from sending the message (`sent_ns`) to seeing its task end (`seen_ns`);
    the figures add up to the whole round trip.

    The critical path: the gateway's request, then each `handle` span that starts after the
    one before it ended (a span overlapping it, such as a progress note, is a side branch);
    the gap before a span is its hop, the time after the commit the read model and poll."""
    traces = {s.trace_id for s in spans if s.attributes.get("modulardata.task_id") == task_id}
    mine = sorted((s for s in spans if s.trace_id in traces), key=lambda s: s.start_ns)
    request = next(s for s in mine if s.service.endswith("gateway") and s.parent_span_id == "")
    chain: list[tuple[str, float]] = [
        ("client -> gateway", ms(request.start_ns - sent_ns)),
        ("gateway", ms(request.end_ns - request.start_ns)),
    ]
    last_end = request.end_ns
    for span in mine:
        if not span.name.startswith("handle ") or span.start_ns < last_end:
            continue
        message = span.name.removeprefix("handle ")
        service = span.service.removeprefix("modulardata-")
        name = STAGE_NAMES.get(message, message)
        chain += [
            (f"hop -> {service}", ms(span.start_ns - last_end)),
            (f"{name} ({service}: {message})", ms(span.end_ns - span.start_ns)),
        ]
        last_end = span.end_ns
        if message == COMMIT:
            break
    chain.append(("read model + poll", ms(seen_ns - last_end)))
    return chain


def ms(nanoseconds: int) -> float:
    return nanoseconds / 1e6


def per_stage(chains: Sequence[list[tuple[str, float]]]) -> list[tuple[str, float, float]]:
    """(stage, median ms, mean ms) over the chains of the most common shape (the same stages);
    the means add up to the mean round trip."""
    shapes: dict[tuple[str, ...], list[list[tuple[str, float]]]] = {}
    for chain in chains:
        shapes.setdefault(tuple(name for name, _ in chain), []).append(chain)
    common = max(shapes.values(), key=len)
    figures = []
    for i, (name, _) in enumerate(common[0]):
        column = [chain[i][1] for chain in common]
        figures.append((name, statistics.median(column), statistics.mean(column)))
    return figures
