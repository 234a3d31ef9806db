"""Publishing envelopes and consuming them safely: at-least-once, in order, never crashing.

Offsets are committed only after a handler returns. A transient failure is retried (the
message is redelivered) without limit; any other failure a few times, after which the message
goes to the dead-letter topic so one bad message cannot stop its partition.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import ValidationError

from modulardata.contracts import topics
from modulardata.contracts.base import UnknownMessageType
from modulardata.contracts.envelope import Envelope
from modulardata.messaging.settings import KafkaSettings

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], Awaitable[None]]


def make_broker(settings: KafkaSettings, *, client_id: str) -> KafkaBroker:
    """A broker whose publishes are acknowledged by every replica and never duplicated."""
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        graceful_timeout=10.0,
    )


class Bus:
    """The service's view of Kafka: publish envelopes, subscribe handlers to topics."""

    def __init__(
        self,
        broker: KafkaBroker,
        settings: KafkaSettings,
        *,
        max_attempts: int = 3,
        retry_delay_s: float = 0.5,
    ) -> None:
        self.broker = broker
        self._prefix = settings.topic_prefix
        self._fetch_max_wait_ms = settings.fetch_max_wait_ms
        self._max_attempts = max_attempts
        self._retry_delay_s = retry_delay_s
        self._attempts: dict[str, int] = {}

    def topic(self, base: str) -> str:
        """The concrete name of a base topic in this deployment."""
        return topics.topic_name(base, self._prefix)

    async def publish(self, envelope: Envelope, base_topic: str) -> None:
        """Publish one envelope, keyed by its session, and wait for the broker's ack."""
        await self.broker.publish(
            envelope.model_dump_json().encode(),
            topic=self.topic(base_topic),
            key=envelope.key,
            headers={"type": envelope.type, "content-type": "application/json"},
        )

    def subscribe(
        self,
        base_topic: str,
        group_id: str,
        handle: Handler,
        *,
        transient: tuple[type[BaseException], ...] = (),
        concurrency: int = 1,
    ) -> None:
        """Run `handle` for each envelope on a topic, as the consumer group `group_id` (under
        the deployment's prefix, so deployments sharing a broker never share a group).

        With `concurrency` above 1 the group runs that many consumers, each with its own share
        of the partitions: a slow message holds only its partition, and every partition keeps
        its order."""

        @self.broker.subscriber(
            self.topic(base_topic),
            group_id=topics.topic_name(group_id, self._prefix),
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            fetch_max_wait_ms=self._fetch_max_wait_ms,
            max_workers=concurrency,
        )
        async def consume(message: KafkaMessage) -> None:
            body = message.body
            try:
                envelope = Envelope.model_validate_json(body)
                envelope.open()
            except (ValidationError, UnknownMessageType, ValueError) as exc:
                await self._dead_letter(body, base_topic, group_id, f"undecodable: {exc}")
                return
            key = f"{group_id}:{envelope.message_id}"
            try:
                await handle(envelope)
            except transient:
                log.warning("transient failure on %s, will retry", envelope.type, exc_info=True)
                await asyncio.sleep(self._retry_delay_s)
                raise
            except Exception as exc:
                attempts = self._attempts.get(key, 0) + 1
                log.exception("handler failed on %s (attempt %d)", envelope.type, attempts)
                if attempts < self._max_attempts:
                    self._attempts[key] = attempts
                    await asyncio.sleep(self._retry_delay_s)
                    raise
                await self._dead_letter(body, base_topic, group_id, f"handler failed: {exc!r}")
            self._attempts.pop(key, None)

    async def _dead_letter(self, body: bytes, base_topic: str, group_id: str, reason: str) -> None:
        log.error("dead-lettering a message from %s: %s", base_topic, reason)
        record = {
            "topic": self.topic(base_topic),
            "group_id": group_id,
            "reason": reason,
            "failed_at": datetime.now(UTC).isoformat(),
            "body": body.decode("utf-8", errors="replace"),
        }
        await self.broker.publish(
            json.dumps(record).encode(),
            topic=self.topic(topics.DEAD_LETTERS),
            headers={"content-type": "application/json"},
        )
