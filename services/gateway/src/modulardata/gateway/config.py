"""Settings of the gateway (prefix MODULARDATA_GATEWAY_); the only place that reads env vars."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

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
    max_upload_bytes: int = Field(
        default=200 * 1024 * 1024, ge=1, description="Largest accepted upload, in bytes."
    )
    session_wait_s: float = Field(
        default=10.0,
        ge=0,
        description="How long POST /v1/sessions waits for the session to be projected.",
    )
    upload_wait_s: float = Field(
        default=15.0,
        ge=0,
        description="How long POST /v1/sessions/{id}/datasets waits for the upload to be read, "
        "so that a file the profiler refuses is answered with a 4xx.",
    )
    create_topics: bool = Field(
        default=True,
        description="Create missing Kafka topics at startup (off where topics are provisioned).",
    )
