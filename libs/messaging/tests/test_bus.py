"""The bus hands handlers typed envelopes and keeps bad messages from stopping a consumer."""

from __future__ import annotations

import asyncio
import base64
from typing import cast
from uuid import uuid4

import pytest
from aiokafka.errors import KafkaConnectionError
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage

from modulardata.contracts import topics
from modulardata.contracts.deadletters import MessageDeadLettered
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import HeadMoved
from modulardata.messaging.bus import Bus, NotPublished, PublishUnconfirmed
from modulardata.messaging.settings import KafkaSettings


def _envelope() -> Envelope:
    session = uuid4()
    return Envelope.wrap(
        HeadMoved(session_id=session, node_id=uuid4(), previous_node_id=None),
        session_id=session,
        correlation_id=uuid4(),
    )


def _bus(**retry: float) -> tuple[Bus, list[MessageDeadLettered]]:
    settings = KafkaSettings(topic_prefix="t.", retry_backoff_s=0.001).model_copy(update=retry)
    bus = Bus(KafkaBroker(), settings)
    dead: list[MessageDeadLettered] = []

    @bus.broker.subscriber(bus.topic(topics.DEAD_LETTERS))
    async def collect(message: KafkaMessage) -> None:
        if message.headers.get("type") == MessageDeadLettered.TYPE:
            letter = Envelope.model_validate_json(message.body).open()
            assert isinstance(letter, MessageDeadLettered)
            dead.append(letter)

    return bus, dead


async def test_handler_receives_the_envelope_keyed_by_session() -> None:
    bus, dead = _bus()
    seen: list[Envelope] = []

    async def handle(envelope: Envelope) -> None:
        seen.append(envelope)

    bus.subscribe(topics.EVENTS, "g", handle)
    async with TestKafkaBroker(bus.broker):
        sent = _envelope()
        await bus.publish(sent, topics.EVENTS)
    assert seen == [sent]
    assert dead == []


async def test_undecodable_messages_are_dead_lettered_at_once_with_their_body() -> None:
    bus, dead = _bus()
    seen: list[Envelope] = []

    async def handle(envelope: Envelope) -> None:
        seen.append(envelope)

    bus.subscribe(topics.EVENTS, "g", handle)
    broken = _envelope().model_dump(mode="json") | {"payload": {"session_id": "\x00"}}
    async with TestKafkaBroker(bus.broker):
        await bus.broker.publish(b"not json \xff", topic=bus.topic(topics.EVENTS))
        await bus.broker.publish(
            b'{"type": "Nope\\u0000", "schema_version": 1}', topic=bus.topic(topics.EVENTS)
        )
        await bus.broker.publish(broken, topic=bus.topic(topics.EVENTS))
    assert seen == []
    assert [d.code for d in dead] == ["undecodable"] * 3
    assert {d.topic for d in dead} == {"t.modulardata.events"}
    assert {d.attempts for d in dead} == {0}
    assert base64.b64decode(dead[0].body_base64) == b"not json \xff"
    assert dead[0].original_type is None
    assert dead[1].original_type == "Nope\\x00"
    assert dead[2].original_type == "HeadMoved"
    assert str(dead[2].task_id) == broken["correlation_id"]


async def test_a_deterministic_failure_is_dead_lettered_after_the_configured_attempts() -> None:
    bus, dead = _bus(dead_letter_attempts=3)
    attempts: list[Envelope] = []

    async def handle(envelope: Envelope) -> None:
        attempts.append(envelope)
        raise ValueError("PostgreSQL text fields cannot contain NUL (0x00) bytes")

    bus.subscribe(topics.EVENTS, "g", handle)
    sent = _envelope()
    async with TestKafkaBroker(bus.broker):
        await bus.publish(sent, topics.EVENTS)
    assert len(attempts) == 3
    [letter] = dead
    assert letter.code == "handler_failed"
    assert letter.attempts == 3
    assert "NUL" in letter.reason
    assert (letter.original_type, letter.original_message_id) == (sent.type, sent.message_id)
    assert (letter.session_id, letter.task_id) == (sent.session_id, sent.correlation_id)
    assert letter.group_id == "g"
    assert Envelope.model_validate_json(base64.b64decode(letter.body_base64)) == sent


async def test_a_transient_failure_is_retried_until_it_passes() -> None:
    bus, dead = _bus(dead_letter_attempts=1)
    attempts: list[Envelope] = []

    async def handle(envelope: Envelope) -> None:
        attempts.append(envelope)
        if len(attempts) < 5:
            raise KafkaConnectionError("broker gone")

    bus.subscribe(topics.EVENTS, "g", handle)
    async with TestKafkaBroker(bus.broker):
        await bus.publish(_envelope(), topics.EVENTS)
    assert len(attempts) == 5
    assert dead == []


async def test_a_transient_failure_beyond_the_retry_budget_is_dead_lettered() -> None:
    bus, dead = _bus(retry_budget_s=0.05, retry_backoff_max_s=0.01)
    attempts: list[Envelope] = []

    async def handle(envelope: Envelope) -> None:
        attempts.append(envelope)
        raise ConnectionRefusedError("database gone")

    bus.subscribe(topics.EVENTS, "g", handle)
    async with TestKafkaBroker(bus.broker):
        await bus.publish(_envelope(), topics.EVENTS)
    [letter] = dead
    assert letter.code == "retry_budget_exhausted"
    assert letter.attempts == len(attempts) > 3


async def test_a_failing_dead_letter_is_not_dead_lettered_again() -> None:
    bus, dead = _bus(dead_letter_attempts=1)

    async def handle(envelope: Envelope) -> None:
        raise ValueError("cannot record it")

    bus.subscribe(topics.DEAD_LETTERS, "operators", handle)
    async with TestKafkaBroker(bus.broker):
        await bus.broker.publish(b"not json", topic=bus.topic(topics.DEAD_LETTERS))
    assert dead == []


class _HeldBroker:
    """A producer that never takes a message (`taken` None) or takes it and holds its ack."""

    def __init__(self, taken: asyncio.Future[None] | None) -> None:
        self.taken = taken

    async def publish(self, *args: object, **kwargs: object) -> asyncio.Future[None]:
        if self.taken is None:
            await asyncio.sleep(3600)
        assert self.taken is not None
        return self.taken


def _held_bus(taken: asyncio.Future[None] | None) -> tuple[Bus, list[str]]:
    settings = KafkaSettings(publish_timeout_s=0.05)
    undone: list[str] = []
    return Bus(cast(KafkaBroker, _HeldBroker(taken)), settings), undone


async def test_a_message_the_producer_never_takes_is_not_published_and_undone_at_once() -> None:
    bus, undone = _held_bus(None)

    async def undo() -> None:
        undone.append("undone")

    with pytest.raises(NotPublished):
        await bus.publish(_envelope(), topics.EVENTS, if_lost=undo)
    assert undone == ["undone"]


@pytest.mark.parametrize("lost", [False, True])
async def test_an_unconfirmed_message_is_undone_only_once_it_is_lost(lost: bool) -> None:
    taken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    bus, undone = _held_bus(taken)

    async def undo() -> None:
        undone.append("undone")

    with pytest.raises(PublishUnconfirmed):
        await bus.publish(_envelope(), topics.EVENTS, if_lost=undo)
    assert not taken.cancelled()  # still with the producer
    if lost:
        taken.set_exception(KafkaConnectionError("the batch expired"))
    else:
        taken.set_result(None)
    await asyncio.sleep(0.01)
    assert undone == (["undone"] if lost else [])
