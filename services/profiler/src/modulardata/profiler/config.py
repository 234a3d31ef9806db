"""The profiler's settings, read from `MODULARDATA_PROFILER_*` (Kafka, storage and the dataset
limits keep theirs)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from modulardata.contracts.limits import DatasetLimits
from modulardata.messaging.settings import WorkerSettings
from modulardata.storage.settings import StorageSettings


class ProfilerSettings(WorkerSettings, StorageSettings):
    """Everything the profiler needs to run."""

    model_config = SettingsConfigDict(
        env_prefix="MODULARDATA_PROFILER_", populate_by_name=True, extra="ignore"
    )

    limits: DatasetLimits = Field(
        default_factory=DatasetLimits, description="The limits every upload is read within."
    )
    read_workers: int = Field(
        default=3,
        ge=1,
        le=64,
        description="Uploads read at once, each in a process of its own (and as many consumers "
        "of the command topic, so give it at least as many partitions).",
    )
    read_budget_s: float = Field(
        default=60.0, gt=0, description="Seconds an upload may take to read before it fails."
    )
    version_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="How much lower the CPU priority of profiling a committed version is (a nice"
        " increment): its task has ended, so where services share CPUs the next request's work"
        " comes first. Reading uploads, which their tasks wait for, keeps the service's.",
    )
