"""Settings of the versioning service (prefix MODULARDATA_VERSIONING_)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from modulardata.messaging.settings import KafkaSettings


class VersioningSettings(KafkaSettings):
    """Where the event log lives and how eagerly the relay and projector poll it."""

    model_config = SettingsConfigDict(
        env_prefix="MODULARDATA_VERSIONING_", populate_by_name=True, extra="ignore"
    )

    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:15432/modulardata",
        validation_alias=AliasChoices("MODULARDATA_VERSIONING_DATABASE_URL", "DATABASE_URL"),
        description="PostgreSQL URL of the event log and read models.",
    )
    poll_interval_s: float = Field(
        default=1.0,
        gt=0,
        description="Longest idle wait of the relay and projector between log reads (they are"
        " woken at once by append notifications).",
    )
    batch_size: int = Field(default=500, ge=1, description="Events read from the log at once.")
    task_timeout_s: float = Field(
        default=600.0,
        gt=0,
        description="A session's running task with no news for this long is failed ('timed_out')"
        " so the messages queued behind it run; keep it above the executor's and the crew's"
        " own time limits.",
    )
