"""A worker's metrics: each message counted by its outcome and timed, dead letters counted by
reason, and (on the real broker) the consumer lag of a group served at /metrics."""

from __future__ import annotations

import asyncio
import os
import uuid

import httpx
from faststream.kafka import KafkaBroker, TestKafkaBroker
from prometheus_client.parser import text_string_to_metric_families

from modulardata.contracts import topics
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import HeadMoved
from modulardata.messaging.bus import Bus, make_broker
from modulardata.messaging.metrics import WorkerMetrics
from modulardata.messaging.service import service_app
from modulardata.messaging.settings import KafkaSettings, WorkerSettings
from tests.support.infrastructure import Source
from tests.support.stack import free_port

from .test_bus import _envelope

TYPE = HeadMoved.TYPE


def _sample(metrics: WorkerMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


async def test_messages_are_counted_by_outcome_and_timed() -> None:
    settings = KafkaSettings(topic_prefix="m.", retry_backoff_s=0.001, dead_letter_attempts=3)
    bus = Bus(KafkaBroker(), settings)
    metrics = WorkerMetrics()
    bad = _envelope()

    async def handle(envelope: Envelope) -> None:
        if envelope.message_id == bad.message_id:
            raise ValueError("bad data")

    bus.subscribe(topics.EVENTS, "g", handle)
    bus.broker.add_middleware(metrics.middleware())
    topic = bus.topic(topics.EVENTS)
    async with TestKafkaBroker(bus.broker):
        await bus.publish(_envelope(), topics.EVENTS)
        await bus.publish(_envelope(), topics.EVENTS)
        await bus.publish(bad, topics.EVENTS)
        await bus.broker.publish(b"not json", topic=topic, headers={"type": "no such type"})

    handled = "modulardata_messages_handled_total"
    assert _sample(metrics, handled, topic=topic, type=TYPE, outcome="ok") == 2
    assert _sample(metrics, handled, topic=topic, type=TYPE, outcome="retried") == 2
    assert _sample(metrics, handled, topic=topic, type=TYPE, outcome="dead_lettered") == 1
    assert _sample(metrics, handled, topic=topic, type="unknown", outcome="dead_lettered") == 1
    dead = "modulardata_dead_letters_published_total"
    assert _sample(metrics, dead, code="handler_failed") == 1
    assert _sample(metrics, dead, code="undecodable") == 1
    assert _sample(metrics, "modulardata_message_handling_seconds_count", type=TYPE) == 3
    assert _sample(metrics, "modulardata_message_handling_seconds_sum", type=TYPE) > 0


async def test_metrics_serve_the_lag_of_a_group_behind_its_topic(infrastructure: Source) -> None:
    settings = WorkerSettings(
        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
        topic_prefix=f"it-metrics-{uuid.uuid4().hex[:10]}.",
        topic_partitions=1,
        health_port=free_port(),
    )
    bus = Bus(make_broker(settings, client_id="metrics-test"), settings)
    held, release = asyncio.Event(), asyncio.Event()

    async def handle(envelope: Envelope) -> None:
        held.set()
        await release.wait()

    bus.subscribe(topics.EVENTS, "lagging", handle)
    app = service_app(bus.broker, settings)
    group = f"{settings.topic_prefix}lagging"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.health_port}") as client:

        async def scraped() -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
            answer = await client.get("/metrics")
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/plain")
            samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
            for family in text_string_to_metric_families(answer.text):
                for sample in family.samples:
                    labels = tuple(sorted(sample.labels.items()))
                    samples.setdefault(sample.name, {})[labels] = sample.value
            return samples

        await app.start()
        try:
            for _ in range(3):
                await bus.publish(_envelope(), topics.EVENTS)
            await asyncio.wait_for(held.wait(), timeout=30)
            topic = bus.topic(topics.EVENTS)
            key = (("group", group), ("partition", "0"), ("topic", topic))
            for _ in range(100):  # the lag shows once the consumer fetched the partition
                if (await scraped())["modulardata_consumer_lag"].get(key) == 3:
                    break
                await asyncio.sleep(0.1)
            assert (await scraped())["modulardata_consumer_lag"][key] == 3
            release.set()
            for _ in range(100):
                families = await scraped()
                if families["modulardata_consumer_lag"].get(key) == 0:
                    break
                await asyncio.sleep(0.1)
            handled = families["modulardata_messages_handled_total"]
            assert handled[(("outcome", "ok"), ("topic", topic), ("type", TYPE))] == 3
            assert families["modulardata_consumer_lag"][key] == 0
        finally:
            release.set()
            await app.stop()
