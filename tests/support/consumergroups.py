"""Talking to a deployment's Kafka from outside, as an operator would: raw records in, which
topics each consumer group reads and how far it has committed, what a topic holds."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

T = TypeVar("T")

MAX_RECORD_BYTES = 1_000_000
"""The largest record the producer sends (the broker's default limit is 1 MiB)."""


@dataclass(frozen=True)
class Sent:
    """Where a record landed."""

    topic: str
    partition: int
    offset: int


@dataclass
class RawKafka:
    """A producer, an admin client and topic readers on one event loop, for synchronous tests."""

    bootstrap: str
    prefix: str
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    _producer: AIOKafkaProducer | None = None
    _admin: AIOKafkaAdminClient | None = None
    _readers: list[AIOKafkaConsumer] = field(default_factory=list)

    def __enter__(self) -> RawKafka:
        self.run(self._start())
        return self

    async def _start(self) -> None:
        # aiokafka's clients bind to the loop running when they are made.
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, max_request_size=MAX_RECORD_BYTES + 4096
        )
        self._admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await self._producer.start()
        await self._admin.start()

    def __exit__(self, *_: object) -> None:
        for reader in self._readers:
            self.run(reader.stop())
        if self._producer is not None:
            self.run(self._producer.stop())
        if self._admin is not None:
            self.run(self._admin.close())
        self.loop.close()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run one coroutine on this client's loop."""
        return self.loop.run_until_complete(coroutine)

    def send(self, records: list[tuple[str, bytes, bytes]]) -> list[Sent]:
        """Send raw records (topic, key, value) in order and wait for the broker's acks."""
        return self.run(self._send(records))

    async def _send(self, records: list[tuple[str, bytes, bytes]]) -> list[Sent]:
        assert self._producer is not None
        acks = [await self._producer.send(t, value, key=key) for t, key, value in records]
        return [Sent(m.topic, m.partition, m.offset) for m in await asyncio.gather(*acks)]

    async def partitions(self, topic: str) -> set[int]:
        """The partitions of a topic."""
        assert self._producer is not None
        found: set[int] = await self._producer.partitions_for(topic)
        return found

    def subscriptions(self) -> dict[str, frozenset[str]]:
        """The topics each consumer group of this deployment has committed offsets on, by group
        id: what it reads, once it has read something of each (the broker's group descriptions
        are not used, as aiokafka cannot decode those of recent brokers)."""
        assert self._admin is not None
        listed = self.run(self._admin.list_consumer_groups())
        found: dict[str, frozenset[str]] = {}
        for group_id in sorted(g[0] for g in listed if g[0].startswith(self.prefix)):
            offsets = self.run(self._admin.list_consumer_group_offsets(group_id))
            found[group_id] = frozenset(tp.topic for tp in offsets)
        return found

    def committed(self, group_id: str, topic: str, partition: int) -> int:
        """The group's committed offset on a partition: the next record it will read (-1: none)."""
        assert self._admin is not None
        where = TopicPartition(topic, partition)
        offsets = self.run(self._admin.list_consumer_group_offsets(group_id, partitions=[where]))
        return offsets[where].offset if where in offsets else -1

    def follow(self, topic: str) -> TopicReader:
        """A reader of a topic from its beginning; each `read_new` returns what came since."""
        consumer = self.run(self._reader())
        self._readers.append(consumer)
        return TopicReader(self, consumer, topic)

    async def _reader(self) -> AIOKafkaConsumer:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            fetch_max_bytes=8 * MAX_RECORD_BYTES,
            max_partition_fetch_bytes=2 * MAX_RECORD_BYTES,
        )
        await consumer.start()
        return consumer


@dataclass
class TopicReader:
    """Reads one topic incrementally, on the loop of its RawKafka."""

    kafka: RawKafka
    consumer: AIOKafkaConsumer
    topic: str
    _partitions: list[TopicPartition] = field(default_factory=list)

    def read_new(self) -> list[tuple[Sent, bytes]]:
        """The records appended since the last call, up to the topic's current end."""
        return self.kafka.run(self._read_to_end())

    async def _read_to_end(self) -> list[tuple[Sent, bytes]]:
        if not self._partitions:
            ids = await self.kafka.partitions(self.topic)
            self._partitions = [TopicPartition(self.topic, p) for p in sorted(ids)]
            self.consumer.assign(self._partitions)
            await self.consumer.seek_to_beginning(*self._partitions)
        ends = await self.consumer.end_offsets(self._partitions)
        records: list[tuple[Sent, bytes]] = []
        while any([await self.consumer.position(tp) < end for tp, end in ends.items()]):
            batch = await self.consumer.getmany(timeout_ms=1000)
            records += [
                (Sent(r.topic, r.partition, r.offset), r.value) for rs in batch.values() for r in rs
            ]
        return records
