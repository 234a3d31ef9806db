"""Kafka settings every service shares; the plain `KAFKA_BOOTSTRAP_SERVERS` name is honoured."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSettings(BaseSettings):
    """Where the broker is and how this deployment names its topics."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:19092",
        validation_alias=AliasChoices(
            "MODULARDATA_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"
        ),
        description="Comma-separated host:port list of the Kafka brokers.",
    )
    topic_prefix: str = Field(
        default="",
        validation_alias=AliasChoices("MODULARDATA_TOPIC_PREFIX"),
        description="Prefix for every topic name, to share one broker between deployments.",
    )
    topic_partitions: int = Field(
        default=3,
        ge=1,
        validation_alias=AliasChoices("MODULARDATA_TOPIC_PARTITIONS"),
        description="Partitions for topics this deployment creates.",
    )
    fetch_max_wait_ms: int = Field(
        default=50,
        ge=1,
        le=500,
        validation_alias=AliasChoices("MODULARDATA_KAFKA_FETCH_MAX_WAIT_MS"),
        description="Longest a consumer's fetch waits at the broker for new messages. While a "
        "slow message is handled, the other partitions are fetched without its own, so this "
        "also bounds how late that partition's next message is seen (Kafka's default: 500).",
    )
