"""Kafka topic names. A deployment may prefix them all (tests use a unique prefix per run)."""

from __future__ import annotations

from typing import Final

VERSIONING_COMMANDS: Final = "modulardata.versioning.commands"
"""Commands for the versioning service (CreateSession)."""

PROFILER_COMMANDS: Final = "modulardata.profiler.commands"
"""Commands for the profiler (IngestDataset, ProfileVersion)."""

PROFILER_EVENTS: Final = "modulardata.profiler.events"
"""What the profiler reports (TaskProgressed, DatasetIngested, IngestionFailed,
DatasetProfiled, ProfilingFailed)."""

EXECUTOR_COMMANDS: Final = "modulardata.executor.commands"
"""Commands for the executor (ExecuteTransformation)."""

EXECUTOR_EVENTS: Final = "modulardata.executor.events"
"""What the executor reports (TaskProgressed, TransformationExecuted, TransformationFailed)."""

AGENTS_COMMANDS: Final = "modulardata.agents.commands"
"""Commands for the agents (PlanChatMessage)."""

AGENTS_EVENTS: Final = "modulardata.agents.events"
"""What the agents report (TaskProgressed, TransformationPlanned, HeadMoveRequested,
ClarificationRequested)."""

EVENTS: Final = "modulardata.events"
"""Every event of the log, relayed in log order; the integration point for other consumers."""

DEAD_LETTERS: Final = "modulardata.dead-letters"
"""Messages a consumer gave up on (`MessageDeadLettered`, with the reason): versioning keeps
them in its `dead_letters` table and fails their tasks."""

ALL: Final = (
    VERSIONING_COMMANDS,
    PROFILER_COMMANDS,
    PROFILER_EVENTS,
    EXECUTOR_COMMANDS,
    EXECUTOR_EVENTS,
    AGENTS_COMMANDS,
    AGENTS_EVENTS,
    EVENTS,
    DEAD_LETTERS,
)


def topic_name(base: str, prefix: str = "") -> str:
    """The concrete topic for a base name under a deployment's prefix."""
    return f"{prefix}{base}"
