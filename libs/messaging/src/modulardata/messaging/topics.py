"""Creating this deployment's topics before anything subscribes or publishes."""

from __future__ import annotations

import asyncio
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError

from modulardata.contracts import topics
from modulardata.messaging.settings import KafkaSettings

log = logging.getLogger(__name__)

_TOPIC_ALREADY_EXISTS = 36


class TopicsNotCreated(Exception):
    """The broker refused to create topics (e.g. more replicas than it has brokers)."""


async def ensure_topics(settings: KafkaSettings, *, wait_s: float = 60.0) -> None:
    """Create every topic that is missing, waiting up to `wait_s` for the broker to answer."""
    deadline = asyncio.get_running_loop().time() + wait_s
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    while True:
        try:
            await admin.start()
            break
        except KafkaConnectionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            log.warning("Kafka at %s not answering yet", settings.kafka_bootstrap_servers)
            await asyncio.sleep(1.0)
    try:
        existing = set(await admin.list_topics())
        wanted = [topics.topic_name(base, settings.topic_prefix) for base in topics.ALL]
        missing = [
            NewTopic(
                name,
                num_partitions=settings.topic_partitions,
                replication_factor=settings.topic_replication_factor,
            )
            for name in wanted
            if name not in existing
        ]
        if missing:
            try:
                response = await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                return  # another service created them at the same moment
            refused = [
                f"{name}: {message}"
                for name, code, message in response.topic_errors
                if code not in (0, _TOPIC_ALREADY_EXISTS)
            ]
            if refused:
                raise TopicsNotCreated("; ".join(refused))
    finally:
        await admin.close()
