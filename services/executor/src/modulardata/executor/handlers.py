"""Kafka handlers: open the command, run the transformation, publish what came of it."""

from __future__ import annotations

import asyncio
import logging

from modulardata.contracts import topics
from modulardata.contracts.base import Message
from modulardata.contracts.commands import ExecuteTransformation
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import TaskProgressed, TransformationFailed
from modulardata.executor.config import ExecutorSettings
from modulardata.executor.versions import execute_transformation, transformation_node_id
from modulardata.messaging.bus import Bus, Handler
from modulardata.messaging.failures import FailureClassifier
from modulardata.sandbox.exceptions import SandboxUnavailable
from modulardata.sandbox.sandbox import Sandbox
from modulardata.storage import InvalidStorageUri, ObjectNotFound, ObjectStorage, StorageError

log = logging.getLogger(__name__)

FAILURES = FailureClassifier(
    transient=(StorageError, SandboxUnavailable), deterministic=(ObjectNotFound, InvalidStorageUri)
)
"""Failures of storage, local disk, Kafka or the sandbox itself are retried; a missing or
invalid version is not."""


def execute_handler(
    bus: Bus, storage: ObjectStorage, sandbox: Sandbox, settings: ExecutorSettings
) -> Handler:
    """Handle `ExecuteTransformation`: report progress, then the new version or the failure."""

    async def handle(envelope: Envelope) -> None:
        command = envelope.open()
        if not isinstance(command, ExecuteTransformation):
            log.warning("ignoring %s on the executor's command topic", envelope.type)
            return
        progress = TaskProgressed(
            task_id=envelope.correlation_id, session_id=command.session_id, stage="executing"
        )
        await bus.publish(envelope.reply(progress), topics.EXECUTOR_EVENTS)
        outcome: Message
        try:
            outcome = await asyncio.to_thread(
                execute_transformation,
                storage,
                sandbox,
                command,
                transformation_node_id(envelope.correlation_id),
                timeout_s=settings.timeout_s,
                memory_mb=settings.memory_mb,
            )
        except Exception as exc:
            if FAILURES.is_transient(exc):
                raise
            # A bug must not leave the task running forever: fail it and keep the trace in logs.
            log.exception("unexpected failure executing task %s", envelope.correlation_id)
            outcome = TransformationFailed(
                session_id=command.session_id,
                parent_node_id=command.parent_node_id,
                code=command.code,
                error="the transformation failed because of an internal error",
                chat_message_id=command.chat_message_id,
            )
        await bus.publish(envelope.reply(outcome), topics.EXECUTOR_EVENTS)

    return handle
