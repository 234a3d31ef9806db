"""The profiler's steps: ingest an upload, profile a transformation's new version."""

from __future__ import annotations

from concurrent.futures import Executor

from modulardata.contracts import topics
from modulardata.contracts.commands import IngestDataset, ProfileVersion
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import DatasetProfiled, ProfilingFailed, TaskProgressed
from modulardata.messaging.bus import Bus
from modulardata.messaging.steps import Step, StepFailed, TypedHandler
from modulardata.profiler.exceptions import FAILURES
from modulardata.profiler.readers import UploadReaders
from modulardata.profiler.versions import profile_version
from modulardata.storage import ObjectNotFound, ObjectStorage


def ingest_handler(bus: Bus, readers: UploadReaders) -> TypedHandler[IngestDataset]:
    """`IngestDataset`: `ingesting`, then `DatasetIngested` and `DatasetProfiled`, or
    `IngestionFailed` (the readers report each failure themselves)."""

    async def ingest(envelope: Envelope, command: IngestDataset) -> None:
        progress = TaskProgressed(
            task_id=envelope.correlation_id, session_id=command.session_id, stage="ingesting"
        )
        await bus.publish(envelope.reply(progress), topics.PROFILER_EVENTS)
        for message in await readers.read(command, envelope.correlation_id):
            await bus.publish(envelope.reply(message), topics.PROFILER_EVENTS)

    return ingest


def profile_step(storage: ObjectStorage, executor: Executor | None = None) -> Step[ProfileVersion]:
    """`ProfileVersion`: the committed version's `DatasetProfiled`, or `ProfilingFailed`; no
    stage is reported, since the version's task ended when it was committed."""

    def work(envelope: Envelope, command: ProfileVersion) -> DatasetProfiled:
        try:
            return profile_version(storage, command)
        except ObjectNotFound as exc:
            raise StepFailed("the new version's data is missing from storage") from exc

    return Step(
        stage=None,
        events_topic=topics.PROFILER_EVENTS,
        work=work,
        failed=_unprofiled,
        internal_error="the new version could not be profiled because of an internal error",
        classifier=FAILURES,
        executor=executor,
    )


def _unprofiled(version: ProfileVersion, reason: str) -> ProfilingFailed:
    return ProfilingFailed(session_id=version.session_id, node_id=version.node_id, error=reason)
