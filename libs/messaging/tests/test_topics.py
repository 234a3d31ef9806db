"""Topics are created with the partitions and replicas the settings give, on the real broker,
and a broker's refusal is an error naming why, not topics silently missing; the same through
`modulardata-topics`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

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
        # A topic just created may be described before its partitions reach the metadata.
        for _ in range(100):
            [described] = await admin.describe_topics([settings.topic_prefix + topics.EVENTS])
            if described["partitions"]:
                break
            await asyncio.sleep(0.1)
    finally:
        await admin.close()
    assert len(described["partitions"]) == 4
    assert {len(p["replicas"]) for p in described["partitions"]} == {1}


async def test_more_replicas_than_brokers_is_refused_by_name(infrastructure: Source) -> None:
    settings = _settings(replicas=3)
    with pytest.raises(TopicsNotCreated, match="replication factor of 3"):
        await ensure_topics(settings)


def test_the_topics_command_creates_them_or_says_why_not(infrastructure: Source) -> None:
    settings = _settings()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "MODULARDATA_TOPIC_PREFIX": settings.topic_prefix,
    }
    command = [str(Path(sys.executable).parent / "modulardata-topics")]
    created = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr
    assert f"{settings.topic_prefix}{topics.EVENTS}" in created.stdout
    refused = subprocess.run(
        command,
        env={
            **env,
            "MODULARDATA_TOPIC_PREFIX": f"refused-{settings.topic_prefix}",
            "MODULARDATA_TOPIC_REPLICATION_FACTOR": "3",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "topics not created" in refused.stderr
    assert "replication factor of 3" in refused.stderr
