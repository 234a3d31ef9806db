"""Turning incoming commands and profiler reports into appended events, exactly once.

Each message is handled in one transaction that also records its id, so a redelivered message
changes nothing; a lost race on a stream is retried from a fresh read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from modulardata.contracts.base import Message
from modulardata.contracts.commands import CreateSession
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import (
    DatasetIngested,
    DatasetProfiled,
    IngestionFailed,
    TaskFailed,
    TaskProgressed,
    TaskSucceeded,
)
from modulardata.versioning import domain, eventstore
from modulardata.versioning.exceptions import ConcurrencyConflict, DomainRejection

log = logging.getLogger(__name__)

S = TypeVar("S", domain.SessionState, domain.TaskState)

_CONSUMER = "versioning"
_ATTEMPTS = 5


class VersioningHandlers:
    """Handles every message the versioning service consumes."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def handle(self, envelope: Envelope) -> None:
        """Apply one message once; conflicts are retried, the last one propagates."""
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                async with self._engine.begin() as conn:
                    if await eventstore.mark_processed(conn, _CONSUMER, envelope.message_id):
                        await self._dispatch(conn, envelope)
                return
            except ConcurrencyConflict:
                if attempt == _ATTEMPTS:
                    raise
                log.info("conflict on %s, retrying (%d)", envelope.type, attempt)

    async def _dispatch(self, conn: AsyncConnection, envelope: Envelope) -> None:
        message = envelope.open()
        task_id = envelope.correlation_id
        if isinstance(message, CreateSession):
            try:
                await _session(
                    conn, envelope, message.session_id, lambda s: domain.decide_create(s, message)
                )
            except DomainRejection as rejection:
                log.warning("CreateSession refused: %s", rejection)
        elif isinstance(message, DatasetIngested):
            outcome: TaskSucceeded | TaskFailed
            try:
                await _session(
                    conn, envelope, message.session_id, lambda s: domain.decide_upload(s, message)
                )
                outcome = TaskSucceeded(
                    task_id=task_id, session_id=message.session_id, node_id=message.node_id
                )
            except DomainRejection as rejection:
                outcome = TaskFailed(
                    task_id=task_id,
                    session_id=message.session_id,
                    code=rejection.code,
                    error=str(rejection),
                )
            await _task(conn, envelope, task_id, lambda s: domain.decide_outcome(s, outcome))
        elif isinstance(message, DatasetProfiled):
            await _session(
                conn, envelope, message.session_id, lambda s: domain.decide_profiled(s, message)
            )
        elif isinstance(message, IngestionFailed):
            failure = domain.failure_of(task_id, message)
            await _task(conn, envelope, task_id, lambda s: domain.decide_outcome(s, failure))
        elif isinstance(message, TaskProgressed):
            await _task(
                conn, envelope, message.task_id, lambda s: domain.decide_progress(s, message)
            )


async def _decide(
    conn: AsyncConnection,
    cause: Envelope,
    stream: str,
    state: S,
    evolve: Callable[[S, Message], S],
    decide: Callable[[S], list[Message]],
) -> None:
    """Fold a stream into its state, decide, and append what was decided (caused by `cause`)."""
    for recorded in await eventstore.read_stream(conn, stream):
        state = evolve(state, recorded.envelope.open())
    new = decide(state)
    if new:
        await eventstore.append(conn, stream, state.version, [cause.follow(m) for m in new])


async def _session(
    conn: AsyncConnection,
    cause: Envelope,
    session_id: UUID,
    decide: Callable[[domain.SessionState], list[Message]],
) -> None:
    await _decide(
        conn,
        cause,
        domain.session_stream(session_id),
        domain.SessionState(),
        domain.evolve_session,
        decide,
    )


async def _task(
    conn: AsyncConnection,
    cause: Envelope,
    task_id: UUID,
    decide: Callable[[domain.TaskState], list[Message]],
) -> None:
    await _decide(
        conn, cause, domain.task_stream(task_id), domain.TaskState(), domain.evolve_task, decide
    )
