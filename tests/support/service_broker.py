"""A service's broker under test, with what it publishes collected: its events and its dead
letters (run it in `TestKafkaBroker`, which delivers in memory)."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker

from modulardata.contracts import topics
from modulardata.contracts.envelope import Envelope
from modulardata.messaging.bus import Bus
from modulardata.messaging.settings import KafkaSettings


class ServiceBroker:
    """`broker` with the envelopes it publishes on `events_topic` and the dead letters."""

    def __init__(self, broker: KafkaBroker, settings: KafkaSettings, events_topic: str) -> None:
        self.broker = broker
        self.bus = Bus(broker, settings)
        self.events: list[Envelope] = []
        self.dead: list[dict[str, Any]] = []

        @broker.subscriber(self.bus.topic(events_topic))
        async def collect(body: dict[str, Any]) -> None:
            self.events.append(Envelope.model_validate(body))

        @broker.subscriber(self.bus.topic(topics.DEAD_LETTERS))
        async def collect_dead(body: dict[str, Any]) -> None:
            self.dead.append(body)

    def opened(self) -> list[object]:
        """The events published so far, opened."""
        return [envelope.open() for envelope in self.events]
