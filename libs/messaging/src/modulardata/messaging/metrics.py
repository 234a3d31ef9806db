"""What every worker service measures, in Prometheus metrics served at `GET /metrics` beside
its probes: messages handled by outcome, how long handling takes, dead letters published,
consumer lag and bytes written to storage. A service registers its own families on the same
`registry` (one per service instance, so several in one process never clash).

The bus reports what became of the message being handled (a retry, a dead letter) through
`note_retry` and friends; the middleware that times the message counts them when it ends.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from typing import Any

from faststream import BaseMiddleware
from faststream.kafka import KafkaBroker
from faststream.message import StreamMessage
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from modulardata.contracts.base import UnknownMessageType, message_class

HANDLING_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
"""From a quick event append to an upload read within the retry budget."""

LAG_TIMEOUT_S = 2.0
"""Longest a scrape waits for the broker's committed offsets before it leaves lag out."""


@dataclass
class _Outcome:
    retries: int = 0
    given_up: bool = False
    dead_letter: str | None = None


_OUTCOME: ContextVar[_Outcome | None] = ContextVar("modulardata_outcome", default=None)


def note_retry() -> None:
    """The message being handled failed and is tried again."""
    if (outcome := _OUTCOME.get()) is not None:
        outcome.retries += 1


def note_given_up() -> None:
    """The message being handled is given up on (dead-lettered)."""
    if (outcome := _OUTCOME.get()) is not None:
        outcome.given_up = True


def note_dead_letter(code: str) -> None:
    """A dead letter of the message being handled was published, for the reason `code`."""
    if (outcome := _OUTCOME.get()) is not None:
        outcome.dead_letter = code


class WorkerMetrics:
    """The metrics every worker service keeps, on a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.handled = Counter(
            "modulardata_messages_handled",
            "Messages consumed, by topic, message type and outcome: ok, dead_lettered (given "
            "up), failed (left uncommitted, to be delivered again); retried counts each retry.",
            ["topic", "type", "outcome"],
            registry=self.registry,
        )
        self.handling = Histogram(
            "modulardata_message_handling_seconds",
            "Time from a message's arrival in its consumer to the end of its handling, retries "
            "included, by message type.",
            ["type"],
            buckets=HANDLING_BUCKETS_S,
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "modulardata_dead_letters_published",
            "Dead letters this service published, by why the message was given up.",
            ["code"],
            registry=self.registry,
        )
        self.lag = Gauge(
            "modulardata_consumer_lag",
            "Messages not yet handled in the partitions this instance consumes: the "
            "partition's end offset less the group's committed offset, by group, topic and "
            "partition (read at scrape time).",
            ["group", "topic", "partition"],
            registry=self.registry,
        )
        self.storage_written = Counter(
            "modulardata_storage_written_bytes",
            "Bytes this service wrote to object storage.",
            registry=self.registry,
        )

    def middleware(self) -> Callable[..., BaseMiddleware]:
        """A broker middleware that times and counts each message consumed."""
        return partial(_Measured, metrics=self)

    async def render(self, broker: KafkaBroker) -> bytes:
        """The exposition text, with the consumer lag read now."""
        lags = await consumer_lags(broker)
        self.lag.clear()  # partitions this instance no longer holds leave the metric
        for (group, topic, partition), lag in lags.items():
            self.lag.labels(group, topic, str(partition)).set(lag)
        return generate_latest(self.registry)


class _Measured(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: Any, metrics: WorkerMetrics) -> None:
        super().__init__(msg, context=context)
        self._metrics = metrics

    async def consume_scope(
        self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]], msg: StreamMessage[Any]
    ) -> Any:
        topic = str(getattr(msg.raw_message, "topic", "unknown"))
        kind = _known_type(msg.headers.get("type"))
        outcome = _Outcome()
        token = _OUTCOME.set(outcome)
        started = time.perf_counter()
        label = "failed"
        try:
            result = await call_next(msg)
            label = "dead_lettered" if outcome.given_up else "ok"
            return result
        finally:
            _OUTCOME.reset(token)
            metrics = self._metrics
            metrics.handling.labels(kind).observe(time.perf_counter() - started)
            metrics.handled.labels(topic, kind, label).inc()
            if outcome.retries:
                metrics.handled.labels(topic, kind, "retried").inc(outcome.retries)
            if outcome.dead_letter is not None:
                metrics.dead_letters.labels(outcome.dead_letter).inc()


def _known_type(header: object) -> str:
    """The message type a header names, if it is one (a label must not take any text)."""
    if not isinstance(header, str):
        return "unknown"
    try:
        message_class(header)
    except UnknownMessageType:
        return "unknown"
    return header


LagKey = tuple[str, str, int]
"""Consumer group, topic and partition."""


async def consumer_lags(broker: KafkaBroker) -> dict[LagKey, int]:
    """How far each partition this instance consumes is behind its newest message; the
    partitions of a consumer whose offsets could not be read (given away meanwhile), and all of
    them if the broker does not answer in time, are left out."""
    reads = [_lags(group, consumer) for group, consumer in _consumers(broker)]
    try:
        async with asyncio.timeout(LAG_TIMEOUT_S):
            found = await asyncio.gather(*reads, return_exceptions=True)
    except TimeoutError:
        return {}
    return {key: lag for lags in found if isinstance(lags, dict) for key, lag in lags.items()}


def _consumers(broker: KafkaBroker) -> list[tuple[str, Any]]:
    """Each running aiokafka consumer FastStream holds, with its group."""
    held: list[tuple[str, Any]] = []
    for subscriber in broker.subscribers:
        group = getattr(subscriber, "group_id", None)
        consumers = getattr(subscriber, "consumer_subgroup", None) or [
            getattr(subscriber, "consumer", None)
        ]
        held += [(group, c) for c in consumers if group is not None and c is not None]
    return held


async def _lags(group: str, consumer: Any) -> dict[LagKey, int]:
    """The lag of each partition assigned to `consumer`: the end offsets are asked of the
    broker, since the consumer's own high watermark stops moving while a message is held."""
    partitions = list(consumer.assignment())
    if not partitions:
        return {}
    ends = await consumer.end_offsets(partitions)
    lags: dict[LagKey, int] = {}
    for partition in partitions:
        committed = await consumer.committed(partition)
        if committed is None:  # a new group starts from the earliest message
            committed = (await consumer.beginning_offsets([partition]))[partition]
        lags[(group, partition.topic, partition.partition)] = max(ends[partition] - committed, 0)
    return lags
