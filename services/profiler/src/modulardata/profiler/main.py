"""Composition root: settings to storage, Kafka bus and handlers, as one FastStream app."""

from __future__ import annotations

from faststream import FastStream
from faststream.kafka import KafkaBroker

from modulardata.contracts import topics
from modulardata.contracts.commands import IngestDataset, ProfileVersion
from modulardata.messaging.bus import Bus, make_broker
from modulardata.messaging.metrics import WorkerMetrics
from modulardata.messaging.service import run_service, service_app
from modulardata.messaging.steps import by_type, step_handler
from modulardata.profiler.config import ProfilerSettings
from modulardata.profiler.exceptions import FAILURES
from modulardata.profiler.handlers import ingest_handler, profile_step
from modulardata.profiler.priority import lower_priority_pool
from modulardata.profiler.readers import UploadReaders
from modulardata.storage.counting import CountingStorage

GROUP_ID = "modulardata-profiler"


def create_broker(settings: ProfilerSettings, metrics: WorkerMetrics) -> KafkaBroker:
    """A broker with the profiler's handlers subscribed (what it stores counted in `metrics`)."""
    broker = make_broker(settings, client_id=GROUP_ID)
    bus = Bus(broker, settings)
    storage = CountingStorage(settings.open_storage(), metrics.storage_written.inc)
    readers = UploadReaders(
        settings,
        settings.limits,
        workers=settings.read_workers,
        budget_s=settings.read_budget_s,
        written=metrics.storage_written.inc,
        preload=[__name__],  # what the service's script imports, which each reader re-runs
    )
    # A committed version's profile: its task has ended, so it yields the CPU to the others.
    background = lower_priority_pool(settings.read_workers, settings.version_nice, "profile")
    bus.subscribe(
        topics.PROFILER_COMMANDS,
        GROUP_ID,
        by_type(
            {
                IngestDataset: ingest_handler(bus, readers),
                ProfileVersion: step_handler(bus, profile_step(storage, background)),
            },
            topics.PROFILER_COMMANDS,
        ),
        classifier=FAILURES,
        concurrency=settings.read_workers,
    )
    return broker


def create_app(settings: ProfilerSettings | None = None) -> FastStream:
    """The profiler service; its topics are created on startup if missing."""
    resolved = settings or ProfilerSettings()
    metrics = WorkerMetrics()
    return service_app(create_broker(resolved, metrics), resolved, metrics=metrics)


def main() -> None:
    """Run the profiler until it is stopped."""
    run_service("profiler", create_app)
