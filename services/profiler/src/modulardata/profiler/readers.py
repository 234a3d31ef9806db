"""Reading uploads in processes of their own: several at once, each within a time budget.

A fork server, started once and single-threaded with the reading code preloaded, forks one
process per upload (which then re-runs the service's script: preload what that imports, else
each upload pays the import again); at most `workers` read at once. A read still running at
the end of its budget is killed and its task fails with `too_slow_to_read`, so one slow or huge
file holds a reader for the budget at most and never holds up the other uploads.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Literal
from uuid import UUID

from modulardata.contracts.base import Message
from modulardata.contracts.commands import IngestDataset
from modulardata.contracts.events import IngestionErrorCode, IngestionFailed
from modulardata.contracts.limits import DatasetLimits, LimitExceeded
from modulardata.ingestion.exceptions import IngestionError
from modulardata.profiler.exceptions import FAILURES, ReadInterrupted
from modulardata.profiler.uploads import ingest_upload, upload_node_id
from modulardata.storage import ObjectStorage
from modulardata.storage.counting import CountingStorage
from modulardata.storage.settings import StorageSettings

log = logging.getLogger(__name__)

_Report = tuple[Literal["done"], tuple[Message, ...], int] | tuple[Literal["retry"], str]
"""What a reader sends back: the outcome and the bytes it stored, or why to retry."""


class UploadReaders:
    """Reads uploads into versions and profiles, each in a process of its own; `written` is
    told the bytes each read stored; `preload`, modules the fork server imports beside the
    reading code."""

    def __init__(
        self,
        storage: StorageSettings,
        limits: DatasetLimits,
        *,
        workers: int,
        budget_s: float,
        written: Callable[[int], object],
        preload: Sequence[str] = (),
    ) -> None:
        self._storage = storage
        self._limits = limits
        self._written = written
        self._budget_s = budget_s
        self._slots = asyncio.Semaphore(workers)
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload([__name__, f"{__package__}.warm", *preload])

    async def read(self, command: IngestDataset, task_id: UUID) -> tuple[Message, ...]:
        """What came of reading the upload: `DatasetIngested` and `DatasetProfiled`, or
        `IngestionFailed`. Raises `ReadInterrupted` when storage or disk failed: worth a retry."""
        async with self._slots:
            return await asyncio.to_thread(self._read, command, upload_node_id(task_id))

    def _read(self, command: IngestDataset, node_id: UUID) -> tuple[Message, ...]:
        receiver, sender = self._context.Pipe(duplex=False)
        reader = self._context.Process(
            target=_read_upload,
            args=(sender, self._storage, command, node_id, self._limits),
            name="upload-reader",
            daemon=True,
        )
        reader.start()
        sender.close()
        try:
            if not receiver.poll(self._budget_s):
                log.warning("reading %s took over %g s", command.upload_uri, self._budget_s)
                reason = (
                    f"reading the file took longer than the limit of {self._budget_s:g} s "
                    "(MODULARDATA_PROFILER_READ_BUDGET_S)"
                )
                return (failed(command, "too_slow_to_read", reason),)
            report: _Report = receiver.recv()
        except EOFError:
            log.error("the reader of %s died (exit code %s)", command.upload_uri, reader.exitcode)
            return (failed(command, "unreadable", "the file could not be read: its reader died"),)
        finally:
            if reader.is_alive():
                reader.kill()
            reader.join()
            receiver.close()
        if report[0] == "retry":
            raise ReadInterrupted(report[1])
        self._written(report[2])
        return report[1]


def _read_upload(
    sender: Connection,
    storage: StorageSettings,
    command: IngestDataset,
    node_id: UUID,
    limits: DatasetLimits,
) -> None:
    """In the reader process: read, and send back the outcome or why it is worth a retry."""
    report: _Report
    stored: list[int] = []
    try:
        counted = CountingStorage(storage.open_storage(), stored.append)
        report = ("done", read_outcome(counted, command, node_id, limits), sum(stored))
    except Exception as exc:  # only transient failures get out of read_outcome
        report = ("retry", repr(exc))
    sender.send(report)
    sender.close()


def read_outcome(
    storage: ObjectStorage, command: IngestDataset, node_id: UUID, limits: DatasetLimits
) -> tuple[Message, ...]:
    """The messages reading the upload ends in; storage and disk failures propagate."""
    try:
        return ingest_upload(storage, command, node_id, limits=limits)
    except IngestionError as exc:
        log.info("cannot ingest %s (%s): %s", command.upload_uri, exc.code, exc.reason)
        return (failed(command, exc.code, exc.reason),)
    except LimitExceeded as exc:
        log.info("refusing %s (%s): %s", command.upload_uri, exc.code, exc.message)
        return (failed(command, exc.code, exc.message),)
    except Exception as exc:
        if FAILURES.is_transient(exc):
            raise
        # A bug must not leave the task running forever: fail it and keep the trace in logs.
        log.exception("unexpected failure ingesting %s", command.upload_uri)
        reason = "the file could not be read because of an internal error"
        return (failed(command, "unreadable", reason),)


def failed(command: IngestDataset, code: IngestionErrorCode, reason: str) -> IngestionFailed:
    """The upload's task fails with `code` and a reason in plain words."""
    return IngestionFailed(
        session_id=command.session_id, filename=command.filename, code=code, reason=reason
    )
