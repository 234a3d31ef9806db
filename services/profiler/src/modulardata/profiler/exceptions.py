"""The profiler's own errors and how its failures are classified (bad input is an
`IngestionError`, in `modulardata.ingestion.exceptions`)."""

from __future__ import annotations

from modulardata.messaging.failures import FailureClassifier
from modulardata.storage import InvalidStorageUri, ObjectNotFound, StorageError


class ReadInterrupted(Exception):
    """Reading an upload failed for storage or disk, in the reader process: worth a retry."""


FAILURES = FailureClassifier(
    transient=(StorageError, ReadInterrupted), deterministic=(ObjectNotFound, InvalidStorageUri)
)
"""Failures of storage, local disk or Kafka are retried; a missing or invalid upload is not."""
