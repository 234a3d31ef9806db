"""Talking to the real broker directly, as another producer or consumer would."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from modulardata.contracts.envelope import Envelope


async def produce(
    bootstrap: str, topic: str, messages: Sequence[tuple[bytes | None, bytes]]
) -> None:
    """Send raw (key, value) records to a topic and wait for the broker's acks."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for key, value in messages:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def send_envelopes(bootstrap: str, topic: str, envelopes: list[Envelope]) -> None:
    """Send envelopes keyed by session, exactly as the services do."""
    await produce(bootstrap, topic, [(e.key, e.model_dump_json().encode()) for e in envelopes])


async def read_all(bootstrap: str, topic: str, *, idle_s: float = 3.0) -> list[dict[str, Any]]:
    """Every JSON record of a topic from the beginning, until it stays quiet for `idle_s`."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[dict[str, Any]] = []
    try:
        while True:
            batch = await consumer.getmany(timeout_ms=int(idle_s * 1000))
            if not batch:
                return records
            records += [json.loads(r.value) for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()


def run(coroutine: Any) -> Any:
    """Run a coroutine from a synchronous test."""
    return asyncio.run(coroutine)
