"""On the real broker: a subscriber with concurrency keeps other partitions moving while one
message is slow; envelopes published together, their acks awaited at once, arrive in order."""

from __future__ import annotations

import asyncio
import os
import uuid

from modulardata.contracts import topics
from modulardata.contracts.envelope import Envelope
from modulardata.messaging.bus import Bus, make_broker
from modulardata.messaging.settings import KafkaSettings
from modulardata.messaging.topics import ensure_topics
from tests.support.infrastructure import Source

from .test_bus import _envelope


async def _slow_message_holds_only_its_partition(settings: KafkaSettings) -> None:
    bus = Bus(make_broker(settings, client_id="concurrency-test"), settings)
    slow, quick = _envelope(), _envelope()
    quick_handled = asyncio.Event()
    slow_saw_quick = asyncio.get_running_loop().create_future()

    async def handle(envelope: Envelope) -> None:
        if envelope.message_id == quick.message_id:
            quick_handled.set()
        elif envelope.message_id == slow.message_id:
            # Held until the other partition's message is handled: one consumer would deadlock.
            try:
                await asyncio.wait_for(quick_handled.wait(), timeout=20)
                slow_saw_quick.set_result(True)
            except TimeoutError:
                slow_saw_quick.set_result(False)

    bus.subscribe(topics.EVENTS, "concurrency", handle, concurrency=settings.topic_partitions)
    async with bus.broker:
        await bus.broker.start()
        for partition, envelope in enumerate((slow, quick)):
            await bus.broker.publish(
                envelope.model_dump_json().encode(),
                topic=bus.topic(topics.EVENTS),
                partition=partition,
            )
        assert await asyncio.wait_for(slow_saw_quick, timeout=60)


async def _real_broker_settings() -> KafkaSettings:
    settings = KafkaSettings(
        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
        topic_prefix=f"it-bus-{uuid.uuid4().hex[:10]}.",
    )
    await ensure_topics(settings)
    return settings


async def test_a_slow_message_holds_only_its_partition(infrastructure: Source) -> None:
    await _slow_message_holds_only_its_partition(await _real_broker_settings())


async def test_envelopes_published_together_arrive_in_their_order(infrastructure: Source) -> None:
    settings = await _real_broker_settings()
    bus = Bus(make_broker(settings, client_id="order-test"), settings)
    first = _envelope()
    batch = [first, *(first.follow(first.open()) for _ in range(199))]  # one session's key
    seen: list[uuid.UUID] = []
    all_seen = asyncio.Event()

    async def handle(envelope: Envelope) -> None:
        seen.append(envelope.message_id)
        if len(seen) == len(batch):
            all_seen.set()

    bus.subscribe(topics.EVENTS, "order", handle)
    async with bus.broker:
        await bus.broker.start()
        await bus.publish_in_order([(envelope, topics.EVENTS) for envelope in batch])
        await asyncio.wait_for(all_seen.wait(), timeout=60)
    assert seen == [envelope.message_id for envelope in batch]
