"""Kafka handler: open the command, run the ingestion or profiling, publish what came of it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from uuid import UUID

from modulardata.contracts import topics
from modulardata.contracts.base import Message
from modulardata.contracts.commands import IngestDataset, ProfileVersion
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import ProfilingFailed, TaskProgressed
from modulardata.messaging.bus import Bus, Handler
from modulardata.profiler.exceptions import FAILURES
from modulardata.profiler.readers import UploadReaders
from modulardata.profiler.versions import profile_version
from modulardata.storage import ObjectNotFound, ObjectStorage

log = logging.getLogger(__name__)


def commands_handler(bus: Bus, readers: UploadReaders, storage: ObjectStorage) -> Handler:
    """Handle the profiler's commands: `IngestDataset` and `ProfileVersion`."""
    ingest, profile = _ingest(bus, readers), _profile(bus, storage)

    async def handle(envelope: Envelope) -> None:
        command = envelope.open()
        if isinstance(command, IngestDataset):
            await ingest(envelope, command)
        elif isinstance(command, ProfileVersion):
            await profile(envelope, command)
        else:
            log.warning("ignoring %s on the profiler's command topic", envelope.type)

    return handle


def _ingest(
    bus: Bus, readers: UploadReaders
) -> Callable[[Envelope, IngestDataset], Awaitable[None]]:
    """`IngestDataset`: progress, then `DatasetIngested` and `DatasetProfiled`, or
    `IngestionFailed`."""

    async def ingest(envelope: Envelope, command: IngestDataset) -> None:
        await _progress(bus, envelope, command.session_id, "ingesting")
        for message in await readers.read(command, envelope.correlation_id):
            await bus.publish(envelope.reply(message), topics.PROFILER_EVENTS)

    return ingest


def _profile(
    bus: Bus, storage: ObjectStorage
) -> Callable[[Envelope, ProfileVersion], Awaitable[None]]:
    """`ProfileVersion`: progress, then the version's `DatasetProfiled`, or `ProfilingFailed`
    (so its task ends with a reason)."""

    async def profile(envelope: Envelope, version: ProfileVersion) -> None:
        await _progress(bus, envelope, version.session_id, "profiling")
        outcome: Message
        try:
            outcome = await asyncio.to_thread(profile_version, storage, version)
        except ObjectNotFound:
            log.warning("version %s has no data in storage", version.node_id)
            outcome = _unprofiled(version, "the new version's data is missing from storage")
        except Exception as exc:
            if FAILURES.is_transient(exc):
                raise
            log.exception("unexpected failure profiling version %s", version.node_id)
            reason = "the new version could not be profiled because of an internal error"
            outcome = _unprofiled(version, reason)
        await bus.publish(envelope.reply(outcome), topics.PROFILER_EVENTS)

    return profile


async def _progress(bus: Bus, envelope: Envelope, session_id: UUID, stage: str) -> None:
    progress = TaskProgressed(task_id=envelope.correlation_id, session_id=session_id, stage=stage)
    await bus.publish(envelope.reply(progress), topics.PROFILER_EVENTS)


def _unprofiled(version: ProfileVersion, reason: str) -> ProfilingFailed:
    return ProfilingFailed(session_id=version.session_id, node_id=version.node_id, error=reason)
