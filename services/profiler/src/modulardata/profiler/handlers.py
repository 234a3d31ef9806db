"""Kafka handlers: open the message, run the ingestion or profiling, publish what came of it."""

from __future__ import annotations

import asyncio
import logging

from modulardata.contracts import topics
from modulardata.contracts.base import Message
from modulardata.contracts.commands import IngestDataset
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import (
    TaskProgressed,
    TransformationExecuted,
    TransformationFailed,
)
from modulardata.messaging.bus import Bus, Handler
from modulardata.profiler.exceptions import FAILURES
from modulardata.profiler.readers import UploadReaders
from modulardata.profiler.versions import profile_version
from modulardata.storage import ObjectNotFound, ObjectStorage

log = logging.getLogger(__name__)


def ingest_handler(bus: Bus, readers: UploadReaders) -> Handler:
    """Handle `IngestDataset`: progress, then `DatasetIngested` and `DatasetProfiled`, or
    `IngestionFailed`."""

    async def handle(envelope: Envelope) -> None:
        command = envelope.open()
        if not isinstance(command, IngestDataset):
            log.warning("ignoring %s on the profiler's command topic", envelope.type)
            return
        progress = TaskProgressed(
            task_id=envelope.correlation_id, session_id=command.session_id, stage="ingesting"
        )
        await bus.publish(envelope.reply(progress), topics.PROFILER_EVENTS)
        for message in await readers.read(command, envelope.correlation_id):
            await bus.publish(envelope.reply(message), topics.PROFILER_EVENTS)

    return handle


def version_handler(bus: Bus, storage: ObjectStorage) -> Handler:
    """Handle `TransformationExecuted`: progress, then the new version's `DatasetProfiled`.

    A version that cannot be profiled fails its transformation, so its task ends with a reason.
    """

    async def handle(envelope: Envelope) -> None:
        if envelope.type != TransformationExecuted.TYPE:
            return
        version = envelope.open()
        assert isinstance(version, TransformationExecuted)
        progress = TaskProgressed(
            task_id=envelope.correlation_id, session_id=version.session_id, stage="profiling"
        )
        await bus.publish(envelope.reply(progress), topics.PROFILER_EVENTS)
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

    return handle


def _unprofiled(version: TransformationExecuted, reason: str) -> TransformationFailed:
    return TransformationFailed(
        session_id=version.session_id,
        parent_node_id=version.parent_node_id,
        code=version.code,
        error=reason,
        chat_message_id=version.chat_message_id,
    )
