"""The executor's settings, read from `MODULARDATA_EXECUTOR_*` (Kafka, storage and the dataset
limits keep theirs)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from modulardata.contracts.limits import DatasetLimits
from modulardata.messaging.settings import WorkerSettings
from modulardata.sandbox.syscall_filter import SeccompMode
from modulardata.sandbox.transfer import ResultLimits
from modulardata.storage.settings import StorageSettings


class ExecutorSettings(WorkerSettings, StorageSettings):
    """Everything the executor needs to run."""

    model_config = SettingsConfigDict(
        env_prefix="MODULARDATA_EXECUTOR_", populate_by_name=True, extra="ignore"
    )

    workers: int = Field(default=2, ge=1, le=64, description="Warm sandbox workers kept ready.")
    timeout_s: float = Field(
        default=10.0, gt=0, le=600, description="Wall-clock seconds a snippet may run."
    )
    memory_mb: int = Field(
        default=1024, ge=64, description="Memory (MiB) a snippet may allocate beyond its input."
    )
    limits: DatasetLimits = Field(
        default_factory=DatasetLimits, description="The limits a result is held to, as uploads."
    )
    seccomp: SeccompMode = Field(
        default=SeccompMode.ENFORCE,
        description="The workers' system call filter: 'enforce', or 'log' / 'off' for debugging.",
    )
    recent_versions_mb: int = Field(
        default=256,
        ge=0,
        description="Memory (MiB) for the versions this executor made last, so a session's next"
        " message runs on the one before's result without reading it back from storage.",
    )
    max_result_mb: int = Field(
        default=1024, ge=1, description="Largest result (MiB, as Arrow IPC) a snippet may leave."
    )

    def result_limits(self) -> ResultLimits:
        """The limits results are checked against."""
        return ResultLimits(
            max_rows=self.limits.rows,
            max_columns=self.limits.columns,
            max_cell_bytes=self.limits.cell_bytes,
            max_bytes=self.max_result_mb * 1024 * 1024,
        )
