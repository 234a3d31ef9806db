"""Topics are created with the partitions and replicas the settings give, on the real broker,
and a broker's refusal is an error naming why, not topics silently missing."""

from __future__ import annotations

import os
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from modulardata.contracts import topics
from modulardata.messaging.settings import KafkaSettings
from modulardata.messaging.topics import TopicsNotCreated, ensure_topics
from tests.support.infrastructure import Source


def _settings(*, partitions: int = 3, replicas: int = 1) -> KafkaSettings:
    return KafkaSettings(
        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
        topic_prefix=f"it-topics-{uuid.uuid4().hex[:10]}.",
        topic_partitions=partitions,
        topic_replication_factor=replicas,
    )


async def test_topics_get_the_partitions_and_replicas_of_the_settings(
    infrastructure: Source,
) -> None:
    settings = _settings(partitions=4)
    await ensure_topics(settings)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        [described] = await admin.describe_topics([settings.topic_prefix + topics.EVENTS])
    finally:
        await admin.close()
    assert len(described["partitions"]) == 4
    assert {len(p["replicas"]) for p in described["partitions"]} == {1}


async def test_more_replicas_than_brokers_is_refused_by_name(infrastructure: Source) -> None:
    settings = _settings(replicas=3)
    with pytest.raises(TopicsNotCreated, match="replication factor of 3"):
        await ensure_topics(settings)
