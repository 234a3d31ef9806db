"""The executor's step: run the command's transformation, report the new version or why not."""

from __future__ import annotations

from modulardata.contracts import topics
from modulardata.contracts.commands import ExecuteTransformation
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import TransformationExecuted
from modulardata.executor.config import ExecutorSettings
from modulardata.executor.recent_versions import RecentVersions
from modulardata.executor.versions import (
    execute_transformation,
    transformation_failed,
    transformation_node_id,
)
from modulardata.messaging.failures import FailureClassifier
from modulardata.messaging.steps import Step
from modulardata.sandbox.exceptions import SandboxUnavailable
from modulardata.sandbox.sandbox import Sandbox
from modulardata.storage import InvalidStorageUri, ObjectNotFound, ObjectStorage, StorageError

FAILURES = FailureClassifier(
    transient=(StorageError, SandboxUnavailable), deterministic=(ObjectNotFound, InvalidStorageUri)
)
"""Failures of storage, local disk, Kafka or the sandbox itself are retried; a missing or
invalid version is not."""


def execute_step(
    storage: ObjectStorage, sandbox: Sandbox, settings: ExecutorSettings
) -> Step[ExecuteTransformation]:
    """`ExecuteTransformation`: `executing`, then `TransformationExecuted` or
    `TransformationFailed`."""
    recent = RecentVersions(settings.recent_versions_mb * 1024 * 1024)

    def work(envelope: Envelope, command: ExecuteTransformation) -> TransformationExecuted:
        return execute_transformation(
            storage,
            sandbox,
            command,
            transformation_node_id(envelope.correlation_id),
            timeout_s=settings.timeout_s,
            memory_mb=settings.memory_mb,
            recent=recent,
        )

    return Step(
        stage="executing",
        events_topic=topics.EXECUTOR_EVENTS,
        work=work,
        failed=transformation_failed,
        internal_error="the transformation failed because of an internal error",
        classifier=FAILURES,
    )
