"""Publishing envelopes and consuming them safely: at-least-once, in order, never stalled.

Offsets are committed only after a handler returns. A failure is classified: a transient one
is retried with exponential backoff within the retry budget, a deterministic one a few times;
then the message goes to the dead-letter topic (as `MessageDeadLettered`, with the reason), so
one bad message holds its partition for the retry budget at most. A message that cannot be
decoded is dead-lettered at once.

A publish can be held to a deadline (`publish_timeout_s`): a message the producer never took is
`NotPublished`; one it holds but the broker has not confirmed in time is `PublishUnconfirmed`,
and is followed to its end in the background, so that what was recorded for it can be undone
if it is lost.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4, uuid5

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import ValidationError

from modulardata.contracts import topics
from modulardata.contracts.base import UnknownMessageType
from modulardata.contracts.deadletters import (
    MAX_BODY_BYTES,
    MAX_REASON_CHARS,
    DeadLetterCode,
    MessageDeadLettered,
)
from modulardata.contracts.envelope import Envelope
from modulardata.messaging.failures import FailureClassifier
from modulardata.messaging.metrics import note_dead_letter, note_given_up, note_retry
from modulardata.messaging.settings import KafkaSettings
from modulardata.messaging.tracing import handling, stamped

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], Awaitable[None]]
Undo = Callable[[], Awaitable[None]]

_DEAD_LETTER_IDS = UUID("5c1d0a53-54a4-4c5f-9d0f-4d2f6e1b7a10")
"""Namespace of dead letters' message ids: one per message and group, so a repeat dedupes."""

_UNKNOWN_SESSION = UUID(int=0)
"""Key of the dead letters of messages whose session could not be read."""


def make_broker(settings: KafkaSettings, *, client_id: str) -> KafkaBroker:
    """A broker whose publishes are acknowledged by every replica and never duplicated."""
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        graceful_timeout=10.0,
    )


class NotPublished(Exception):
    """The broker did not take the message in time, or refused it: it will never arrive."""


class PublishUnconfirmed(Exception):
    """The producer holds the message, but the broker did not confirm it in time: it may still
    arrive (or be lost; then the publish's `if_lost` runs)."""


@dataclass(frozen=True)
class _Failure:
    code: DeadLetterCode
    reason: str
    attempts: int


class Bus:
    """The service's view of Kafka: publish envelopes, subscribe handlers to topics."""

    def __init__(self, broker: KafkaBroker, settings: KafkaSettings) -> None:
        self.broker = broker
        self.settings = settings
        self._followed: set[asyncio.Task[None]] = set()

    def topic(self, base: str) -> str:
        """The concrete name of a base topic in this deployment."""
        return topics.topic_name(base, self.settings.topic_prefix)

    async def publish(
        self, envelope: Envelope, base_topic: str, *, if_lost: Undo | None = None
    ) -> None:
        """Publish one envelope, keyed by its session, and wait for the broker's ack; `if_lost`
        runs if the message will not arrive.

        Within `publish_timeout_s` when it is set: `NotPublished` if the producer failed or
        never took the message in time, `PublishUnconfirmed` if it holds the message unconfirmed
        (then `if_lost` runs later, should it fail)."""
        timeout_s = self.settings.publish_timeout_s
        envelope = stamped(envelope)
        delivery: object = None
        try:
            async with asyncio.timeout(timeout_s):
                delivery = await self._send(envelope, base_topic)
                if isinstance(delivery, asyncio.Future):  # the in-memory test broker has none
                    # Shielded: the message stays with the producer whatever the wait does.
                    await asyncio.shield(delivery)
            return
        except Exception as exc:
            if isinstance(delivery, asyncio.Future) and not delivery.done():
                self._follow(delivery, if_lost)
                raise PublishUnconfirmed(
                    f"the broker did not confirm {envelope.type} within {timeout_s} s"
                ) from exc
            if if_lost is not None:
                await if_lost()
            if timeout_s is None:
                raise  # as the producer raised it, for the consumers' failure classifier
            raise NotPublished(f"the broker did not take {envelope.type}: {exc!r}") from exc

    async def publish_in_order(self, messages: Sequence[tuple[Envelope, str]]) -> None:
        """Publish envelopes (each with its base topic) in this order, then wait for all the
        broker's acks at once, rather than for each before the next; raises if one is not
        confirmed (within `publish_timeout_s` when it is set), and then any may have arrived."""
        async with asyncio.timeout(self.settings.publish_timeout_s):
            deliveries = [await self._send(stamped(e), topic) for e, topic in messages]
            await asyncio.gather(*(d for d in deliveries if isinstance(d, asyncio.Future)))

    async def _send(self, envelope: Envelope, base_topic: str) -> object:
        """Hand the envelope to the producer; its delivery future (None from the test broker)."""
        return await self.broker.publish(
            envelope.model_dump_json().encode(),
            topic=self.topic(base_topic),
            key=envelope.key,
            headers={"type": envelope.type, "content-type": "application/json"},
            no_confirm=True,
        )

    def _follow(self, delivery: asyncio.Future[object], if_lost: Undo | None) -> None:
        async def settle() -> None:
            try:
                await delivery
            except Exception as exc:
                log.warning("an unconfirmed message was lost (%r); undoing what it stood for", exc)
                if if_lost is not None:
                    await if_lost()

        task = asyncio.create_task(settle())
        self._followed.add(task)  # held: the loop keeps only weak references to tasks
        task.add_done_callback(self._settled)

    def _settled(self, task: asyncio.Task[None]) -> None:
        self._followed.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("undoing a lost message failed", exc_info=task.exception())

    def subscribe(
        self,
        base_topic: str,
        group_id: str,
        handle: Handler,
        *,
        classifier: FailureClassifier | None = None,
        concurrency: int = 1,
    ) -> None:
        """Run `handle` for each envelope on a topic, as the consumer group `group_id` (under
        the deployment's prefix, so deployments sharing a broker never share a group).

        `classifier` tells the transient failures (retried within the budget) from the
        deterministic ones (dead-lettered after a few attempts).

        With `concurrency` above 1 the group runs that many consumers, each with its own share
        of the partitions: a slow message holds only its partition, and every partition keeps
        its order."""
        classify = classifier or FailureClassifier()

        @self.broker.subscriber(
            self.topic(base_topic),
            group_id=topics.topic_name(group_id, self.settings.topic_prefix),
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            fetch_max_wait_ms=self.settings.fetch_max_wait_ms,
            max_workers=concurrency,
        )
        async def consume(message: KafkaMessage) -> None:
            envelope: Envelope | None = None
            try:
                envelope = Envelope.model_validate_json(message.body)
                envelope.open()
            except (ValidationError, UnknownMessageType, ValueError) as exc:
                failure = _Failure("undecodable", f"undecodable: {exc}", 0)
                await self._dead_letter(message, group_id, envelope, failure)
                return
            with handling(envelope, base_topic):
                given_up = await self._handle(envelope, handle, classify)
            if given_up is not None:
                await self._dead_letter(message, group_id, envelope, given_up)

    async def _handle(
        self, envelope: Envelope, handle: Handler, classifier: FailureClassifier
    ) -> _Failure | None:
        """Handle with retries; the failure to dead-letter, or None once it was handled."""
        settings = self.settings
        deadline = time.monotonic() + settings.retry_budget_s
        delay = settings.retry_backoff_s
        attempts = 0
        while True:
            attempts += 1
            try:
                await handle(envelope)
                return None
            except Exception as exc:
                transient = classifier.is_transient(exc)
                kind = "transient" if transient else "deterministic"
                log.warning(
                    "%s failure on %s %s (attempt %d)",
                    kind,
                    envelope.type,
                    envelope.message_id,
                    attempts,
                    exc_info=True,
                )
                if transient and time.monotonic() + delay > deadline:
                    return _Failure("retry_budget_exhausted", repr(exc), attempts)
                if not transient and attempts >= settings.dead_letter_attempts:
                    return _Failure("handler_failed", repr(exc), attempts)
            note_retry()
            await asyncio.sleep(delay)
            delay = min(delay * 2, settings.retry_backoff_max_s)

    async def _dead_letter(
        self,
        message: KafkaMessage,
        group_id: str,
        envelope: Envelope | None,
        failure: _Failure,
    ) -> None:
        record = message.raw_message
        assert not isinstance(record, tuple)  # one message at a time, never batches
        body: bytes = message.body
        note_given_up()
        log.error(
            "dead-lettering %s[%d]@%d for %s: %s",
            record.topic,
            record.partition,
            record.offset,
            group_id,
            failure.reason,
        )
        if record.topic == self.topic(topics.DEAD_LETTERS):
            return  # a dead letter about a dead letter would loop for ever
        ids = _identity(envelope, body)
        dead = MessageDeadLettered(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            group_id=group_id,
            original_type=ids.get("type"),
            original_message_id=ids.get("message_id"),
            session_id=ids.get("session_id"),
            task_id=ids.get("correlation_id"),
            code=failure.code,
            reason=_printable(failure.reason)[:MAX_REASON_CHARS],
            attempts=failure.attempts,
            body_base64=base64.b64encode(body[:MAX_BODY_BYTES]).decode(),
            body_truncated=len(body) > MAX_BODY_BYTES,
        )
        digest = hashlib.sha256(body).hexdigest()
        where = f"{group_id}:{record.topic}:{record.partition}:{record.offset}:{digest}"
        session = dead.session_id or _UNKNOWN_SESSION
        out = Envelope.wrap(dead, session_id=session, correlation_id=dead.task_id or uuid4())
        out = out.model_copy(update={"message_id": uuid5(_DEAD_LETTER_IDS, where)})
        await self.publish(out, topics.DEAD_LETTERS)
        note_dead_letter(failure.code)


def _identity(envelope: Envelope | None, body: bytes) -> dict[str, Any]:
    """The type and ids of a message, as far as they can be read (also from a broken one)."""
    raw: object
    if envelope is not None:
        raw = {
            "type": envelope.type,
            "message_id": envelope.message_id,
            "session_id": envelope.session_id,
            "correlation_id": envelope.correlation_id,
        }
    else:
        try:
            raw = json.loads(body)
        except (ValueError, RecursionError):
            return {}
    if not isinstance(raw, dict):
        return {}
    found: dict[str, Any] = {}
    value = raw.get("type")
    if isinstance(value, str):
        found["type"] = _printable(value)[:500]
    for name in ("message_id", "session_id", "correlation_id"):
        try:
            found[name] = UUID(str(raw.get(name)))
        except ValueError:
            continue
    return found


def _printable(text: str) -> str:
    """Text that any store takes: NUL and lone surrogates spelled out as escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
