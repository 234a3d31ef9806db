"""Settings of the gateway (prefix MODULARDATA_GATEWAY_); the only place that reads env vars."""

from __future__ import annotations

from limits import parse_many
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from modulardata.contracts.limits import DatasetLimits
from modulardata.messaging.settings import KafkaSettings
from modulardata.storage.settings import StorageSettings


class GatewaySettings(KafkaSettings, StorageSettings):
    """Where the gateway listens, what it connects to and how much it accepts."""

    model_config = SettingsConfigDict(
        env_prefix="MODULARDATA_GATEWAY_", populate_by_name=True, extra="ignore"
    )

    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:15432/modulardata",
        validation_alias=AliasChoices("MODULARDATA_GATEWAY_DATABASE_URL", "DATABASE_URL"),
        description="PostgreSQL URL of the read models and the gateway's own tables.",
    )
    host: str = Field(default="127.0.0.1", description="Interface `serve` listens on.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port `serve` listens on.")
    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("MODULARDATA_GATEWAY_API_KEY", "MODULARDATA_API_KEY"),
        description="Local-mode API key, registered at startup so it needs no `create-key`.",
    )
    limits: DatasetLimits = Field(
        default_factory=DatasetLimits,
        description="The limits an upload is held to while it streams in.",
    )
    session_wait_s: float = Field(
        default=10.0,
        ge=0,
        description="How long an upload to a session just created waits for the session to be"
        " in the log, and DELETE /v1/sessions/{id} for the session to be gone.",
    )
    profile_wait_s: float = Field(
        default=10.0,
        ge=0,
        description="How long GET .../nodes/{id}/profile waits for the profile of a version just"
        " committed (a version is committed before it is profiled) before it answers 404"
        " profile_not_ready.",
    )
    upload_wait_s: float = Field(
        default=15.0,
        ge=0,
        description="How long POST /v1/sessions/{id}/datasets waits for the upload to be read, "
        "so that a file the profiler refuses is answered with a 4xx; and how long a message (or "
        "replay) to a session whose first upload is still being read waits for it.",
    )
    create_topics: bool = Field(
        default=True,
        description="Create missing Kafka topics at startup (off where topics are provisioned).",
    )
    rate_limit: str = Field(
        default="50/second;1000/minute",
        description="What each API key may send to /v1, as rate strings of the `limits` "
        "library joined by ';': '50/second;1000/minute' allows bursts of 50 in any second and "
        "1000 in any minute. Over it: 429 `rate_limited` with Retry-After.",
    )
    session_queue_limit: int = Field(
        default=10,
        ge=1,
        description="Unfinished tasks (queued or running) a session may hold; one more upload, "
        "message, head move or replay is answered 429 `session_busy` with Retry-After.",
    )
    session_busy_retry_after_s: int = Field(
        default=5, ge=1, description="The Retry-After of a 429 `session_busy`, in seconds."
    )
    keep_alive_s: float = Field(
        default=75,
        gt=0,
        description="How long `serve` keeps an idle connection open: longer than the 60 s of "
        "common clients' pools, so it never closes one a client is about to reuse.",
    )
    publish_timeout_s: float = Field(
        default=3.0,
        gt=0,
        validation_alias=AliasChoices(
            "MODULARDATA_GATEWAY_PUBLISH_TIMEOUT_S", "MODULARDATA_PUBLISH_TIMEOUT_S"
        ),
        description="Longest a write waits for Kafka to confirm its command before it is "
        "answered 503 (`queue_unavailable`, or `queue_unconfirmed` if the command may yet "
        "arrive). Writes while Kafka is known to be down are answered at once.",
    )
    link_probe_interval_s: float = Field(
        default=0.5, gt=0, description="How often the links to Kafka and PostgreSQL are probed."
    )
    link_probe_timeout_s: float = Field(
        default=3.0,
        gt=0,
        description="A probe unanswered this long marks its link down (one that fails does at "
        "once): then every request that needs it is answered 503 at once, until a probe "
        "succeeds again. Well above the second a busy host may take to answer, so load is "
        "never taken for an outage.",
    )
    unavailable_retry_after_s: int = Field(
        default=2, ge=1, description="The Retry-After of a 503, in seconds."
    )
    database_pool_size: int = Field(
        default=15,
        ge=1,
        description="Connections the gateway keeps open to PostgreSQL, every one of them between "
        "bursts: opening one on a loaded host can take seconds, so none is closed and reopened.",
    )
    database_pool_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Longest a request waits for one of the pool's database connections.",
    )
    database_connect_timeout_s: int = Field(
        default=2, ge=2, description="Longest the opening of a database connection may take."
    )
    idempotency_ttl_s: int = Field(
        default=86_400,
        gt=0,
        description="How long the answer to a POST sent with an Idempotency-Key is kept for its "
        "retries; the key may be used anew after that.",
    )
    idempotency_lease_s: int = Field(
        default=120,
        gt=0,
        description="How long a POST with an Idempotency-Key holds its key while it runs; a retry "
        "meanwhile gets 409 `idempotency_key_in_use`, after it (a gateway that died mid-request) "
        "the retry is carried out.",
    )
    metrics_require_key: bool = Field(
        default=False, description="Serve GET /metrics only to a caller with an API key."
    )

    @field_validator("rate_limit")
    @classmethod
    def _parses_as_rate_limits(cls, value: str) -> str:
        parse_many(value)
        return value
