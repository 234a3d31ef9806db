"""The bus hands handlers typed envelopes and keeps bad messages from stopping a consumer."""

from __future__ import annotations

from uuid import uuid4

from faststream.kafka import KafkaBroker, TestKafkaBroker

from modulardata.contracts import topics
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import HeadMoved
from modulardata.messaging.bus import Bus
from modulardata.messaging.settings import KafkaSettings


def _envelope() -> Envelope:
    session = uuid4()
    return Envelope.wrap(
        HeadMoved(session_id=session, node_id=uuid4(), previous_node_id=None),
        session_id=session,
        correlation_id=uuid4(),
    )


def _bus() -> tuple[Bus, list[Envelope], list[dict[str, str]]]:
    bus = Bus(KafkaBroker(), KafkaSettings(topic_prefix="t."), retry_delay_s=0)
    seen: list[Envelope] = []
    dead: list[dict[str, str]] = []

    @bus.broker.subscriber(bus.topic(topics.DEAD_LETTERS))
    async def collect(body: dict[str, str]) -> None:
        dead.append(body)

    return bus, seen, dead


async def test_handler_receives_the_envelope_keyed_by_session() -> None:
    bus, seen, dead = _bus()

    async def handle(envelope: Envelope) -> None:
        seen.append(envelope)

    bus.subscribe(topics.EVENTS, "g", handle)
    async with TestKafkaBroker(bus.broker):
        sent = _envelope()
        await bus.publish(sent, topics.EVENTS)
    assert seen == [sent]
    assert dead == []


async def test_undecodable_messages_go_to_dead_letters() -> None:
    bus, seen, dead = _bus()

    async def handle(envelope: Envelope) -> None:
        seen.append(envelope)

    bus.subscribe(topics.EVENTS, "g", handle)
    async with TestKafkaBroker(bus.broker):
        await bus.broker.publish(b"not json", topic=bus.topic(topics.EVENTS))
        await bus.broker.publish(
            b'{"type": "Nope", "schema_version": 1}', topic=bus.topic(topics.EVENTS)
        )
    assert seen == []
    assert [d["topic"] for d in dead] == ["t.modulardata.events"] * 2
    assert all(d["reason"].startswith("undecodable") for d in dead)
    assert dead[0]["body"] == "not json"
