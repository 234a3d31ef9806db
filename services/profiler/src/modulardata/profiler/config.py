"""The profiler's settings, read from `MODULARDATA_PROFILER_*` (Kafka and storage keep theirs)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from modulardata.messaging.settings import KafkaSettings
from modulardata.profiler.ingest import IngestLimits
from modulardata.storage.settings import StorageSettings


class ProfilerSettings(KafkaSettings, StorageSettings):
    """Everything the profiler needs to run."""

    model_config = SettingsConfigDict(
        env_prefix="MODULARDATA_PROFILER_", populate_by_name=True, extra="ignore"
    )

    max_rows: int = Field(
        default=10_000_000, ge=1, description="Most data rows an upload may have."
    )
    max_bytes: int = Field(
        default=1024 * 1024 * 1024, ge=1, description="Largest upload read, in bytes."
    )

    @property
    def limits(self) -> IngestLimits:
        """The limits every upload is read within."""
        return IngestLimits(max_rows=self.max_rows, max_bytes=self.max_bytes)
