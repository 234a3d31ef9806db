"""Settings of the versioning service (prefix MODULARDATA_VERSIONING_)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from modulardata.messaging.settings import WorkerSettings
from modulardata.storage.settings import StorageSettings


class VersioningSettings(WorkerSettings, StorageSettings):
    """Where the event log and the sessions' data live, how eagerly the relay and projector poll
    the log, and how long tasks and idle sessions are kept."""

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
    retention_days: float | None = Field(
        default=None,
        gt=0,
        description="Sessions idle (no new event) for longer are deleted like a DELETE would;"
        " unset keeps them for ever.",
    )
    retention_check_s: float = Field(
        default=3600.0, gt=0, description="How often idle sessions are looked for."
    )
