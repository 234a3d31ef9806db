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
        description="Partitions for topics this deployment creates: at least the most replicas "
        "any consumer service runs, or the replicas past it stay idle.",
    )
    topic_replication_factor: int = Field(
        default=1,
        ge=1,
        validation_alias=AliasChoices("MODULARDATA_TOPIC_REPLICATION_FACTOR"),
        description="Copies of each partition for topics this deployment creates: 1 for one "
        "broker, 3 for a production cluster.",
    )
    publish_timeout_s: float | None = Field(
        default=None,
        gt=0,
        validation_alias=AliasChoices("MODULARDATA_PUBLISH_TIMEOUT_S"),
        description="Longest a publish waits for the broker to take and confirm a message "
        "(`NotPublished` / `PublishUnconfirmed` after it); none: as long as the producer retries.",
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
    dead_letter_attempts: int = Field(
        default=3,
        ge=1,
        le=100,
        validation_alias=AliasChoices("MODULARDATA_DEAD_LETTER_ATTEMPTS"),
        description="Attempts at a message whose handler fails deterministically (bad data, "
        "validation, a constraint) before it goes to the dead-letter topic.",
    )
    retry_budget_s: float = Field(
        default=120.0,
        gt=0,
        validation_alias=AliasChoices("MODULARDATA_RETRY_BUDGET_S"),
        description="Longest a message failing transiently (broker, database connection, "
        "storage) is retried before it is dead-lettered: no message holds its partition longer.",
    )
    retry_backoff_s: float = Field(
        default=0.2,
        ge=0,
        validation_alias=AliasChoices("MODULARDATA_RETRY_BACKOFF_S"),
        description="First pause before a retry; it doubles on each retry of the message.",
    )
    retry_backoff_max_s: float = Field(
        default=5.0,
        ge=0,
        validation_alias=AliasChoices("MODULARDATA_RETRY_BACKOFF_MAX_S"),
        description="Longest pause between two retries of a message.",
    )


class WorkerSettings(KafkaSettings):
    """A Kafka worker service's settings: the broker's, and where its probes answer."""

    health_host: str = Field(
        default="127.0.0.1",
        validation_alias=AliasChoices("MODULARDATA_HEALTH_HOST"),
        description="Interface the probes (/livez, /readyz) listen on; 0.0.0.0 in a container.",
    )
    health_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("MODULARDATA_HEALTH_PORT"),
        description="Port of the probes; none: no probe endpoint (the images set 8081).",
    )
    health_stall_s: float = Field(
        default=900.0,
        gt=0,
        validation_alias=AliasChoices("MODULARDATA_HEALTH_STALL_S"),
        description="A message in its handler longer than this makes /livez fail, so the "
        "orchestrator restarts the service and the message is delivered again.",
    )
