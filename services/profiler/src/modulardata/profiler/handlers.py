"""Kafka handlers: open the command, run the ingestion, publish what came of it."""

from __future__ import annotations

import asyncio
import logging
from uuid import uuid5

from aiokafka.errors import KafkaError

from modulardata.contracts import topics
from modulardata.contracts.base import Message
from modulardata.contracts.commands import IngestDataset
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import IngestionFailed, TaskProgressed
from modulardata.messaging.bus import Bus, Handler
from modulardata.profiler.exceptions import IngestionError
from modulardata.profiler.uploads import ingest_upload, upload_node_id
from modulardata.storage import ObjectStorage, StorageError

log = logging.getLogger(__name__)

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (StorageError, OSError, KafkaError)
"""Failures of storage, local disk or Kafka: the command is retried until they pass."""


def ingest_handler(bus: Bus, storage: ObjectStorage, *, max_rows: int | None) -> Handler:
    """Handle `IngestDataset`: report progress, then `DatasetIngested` or `IngestionFailed`."""

    async def handle(envelope: Envelope) -> None:
        command = envelope.open()
        if not isinstance(command, IngestDataset):
            log.warning("ignoring %s on the profiler's command topic", envelope.type)
            return
        progress = TaskProgressed(
            task_id=envelope.correlation_id, session_id=command.session_id, stage="ingesting"
        )
        await bus.publish(_follow(envelope, progress), topics.PROFILER_EVENTS)
        node_id = upload_node_id(envelope.correlation_id)
        outcome: Message
        try:
            outcome = await asyncio.to_thread(
                ingest_upload, storage, command, node_id, max_rows=max_rows
            )
        except IngestionError as exc:
            log.info("cannot ingest %s (%s): %s", command.upload_uri, exc.code, exc.reason)
            outcome = IngestionFailed(
                session_id=command.session_id,
                filename=command.filename,
                code=exc.code,
                reason=exc.reason,
            )
        except TRANSIENT_ERRORS:
            raise
        except Exception:
            # A bug must not leave the task running forever: fail it and keep the trace in logs.
            log.exception("unexpected failure ingesting %s", command.upload_uri)
            outcome = IngestionFailed(
                session_id=command.session_id,
                filename=command.filename,
                code="unreadable",
                reason="the file could not be read because of an internal error",
            )
        await bus.publish(_follow(envelope, outcome), topics.PROFILER_EVENTS)

    return handle


def _follow(envelope: Envelope, message: Message) -> Envelope:
    # A redelivered command yields the same message ids, so consumers' dedupe drops the repeats.
    return envelope.follow(message, message_id=uuid5(envelope.message_id, message.TYPE))
