"""Turning incoming commands and the services' reports into appended events, exactly once.

Each message is handled in one transaction that also records its id, so a redelivered message
changes nothing; a lost race on a stream is retried from a fresh read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from modulardata.contracts.base import Message
from modulardata.contracts.commands import (
    CreateSession,
    DeleteSession,
    ExpireTask,
    IngestDataset,
    MoveHead,
    ReplayRecipe,
    SendChatMessage,
)
from modulardata.contracts.deadletters import MessageDeadLettered
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import (
    ClarificationRequested,
    DatasetIngested,
    DatasetProfiled,
    HeadMoveRequested,
    IngestionFailed,
    ProfilingFailed,
    SessionDeleted,
    TaskFailed,
    TaskProgressed,
    TaskSucceeded,
    TransformationExecuted,
    TransformationFailed,
    TransformationPlanned,
)
from modulardata.messaging.tracing import stamped
from modulardata.storage import ObjectStorage
from modulardata.versioning import deletion, domain, taskworkflow
from modulardata.versioning.eventlog import EventLog, LogTransaction
from modulardata.versioning.exceptions import ConcurrencyConflict, DomainRejection
from modulardata.versioning.states import StreamStates

log = logging.getLogger(__name__)


_CONSUMER = "versioning"
_ATTEMPTS = 5

SessionDecision = Callable[[domain.SessionState, UUID, Any], list[Message]]

TASK_REQUESTS: dict[type[Message], SessionDecision] = {
    SendChatMessage: taskworkflow.decide_message,
    MoveHead: taskworkflow.decide_head_move,
    ReplayRecipe: taskworkflow.decide_replay,
}
"""Requests that queue a task in their session; refused ones fail the task."""

TASK_RESULTS: dict[type[Message], SessionDecision] = {
    TransformationPlanned: taskworkflow.decide_planned,
    TransformationExecuted: taskworkflow.decide_executed,
    TransformationFailed: taskworkflow.decide_failed,
    DatasetProfiled: taskworkflow.decide_profiled,
    ProfilingFailed: taskworkflow.decide_failed,
    HeadMoveRequested: taskworkflow.decide_undo_redo,
    ClarificationRequested: taskworkflow.decide_clarification,
    ExpireTask: taskworkflow.decide_expired,
}
"""What the agents, the executor and the profiler report for a session's task (and the
expiry of one that went silent)."""

_UPLOAD_MESSAGES: tuple[type[Message], ...] = (IngestDataset, DatasetIngested, IngestionFailed)

OUTSIDE_THE_SESSION_QUEUE = frozenset(m.TYPE for m in (*TASK_REQUESTS, *_UPLOAD_MESSAGES))
"""Messages of a task that is not (yet) its session's running one: a request that never got
into the queue, or an upload (its outcome goes to its own stream)."""


class VersioningHandlers:
    """Handles every message the versioning service consumes."""

    def __init__(self, log: EventLog, storage: ObjectStorage) -> None:
        self._log = log
        self._storage = storage
        self._states = StreamStates()

    async def handle(self, envelope: Envelope) -> None:
        """Apply one message once; conflicts are retried, the last one propagates."""
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                async with self._log.transaction() as store:
                    if await store.mark_processed(_CONSUMER, envelope.message_id):
                        await _Work(store, envelope, self._states, self._storage).dispatch()
                return
            except ConcurrencyConflict:
                if attempt == _ATTEMPTS:
                    raise
                log.info("conflict on %s, retrying (%d)", envelope.type, attempt)


class _Work:
    """Handling one message inside its transaction: decide on streams, append what is decided."""

    def __init__(
        self, store: LogTransaction, cause: Envelope, states: StreamStates, storage: ObjectStorage
    ) -> None:
        self.store, self.cause, self.states, self.storage = store, cause, states, storage

    async def dispatch(self) -> None:
        message = self.cause.open()
        task_id = self.cause.correlation_id
        if isinstance(message, DeleteSession):
            await self.delete(message)
        elif await self.store.is_shredded(self.cause.session_id):
            await self.after_deletion(message)
        elif (request := TASK_REQUESTS.get(type(message))) is not None:
            decide = _bound(request, task_id, message)
            await self.request(message.session_id, decide)  # type: ignore[attr-defined]
        elif (result := TASK_RESULTS.get(type(message))) is not None:
            decide = _bound(result, task_id, message)
            await self.session(message.session_id, decide)  # type: ignore[attr-defined]
        elif isinstance(message, CreateSession):
            try:
                await self.session(message.session_id, lambda s: domain.decide_create(s, message))
            except DomainRejection as rejection:
                log.warning("CreateSession refused: %s", rejection)
        elif isinstance(message, DatasetIngested):
            outcome: TaskSucceeded | TaskFailed
            try:
                await self.session(message.session_id, lambda s: domain.decide_upload(s, message))
                outcome = TaskSucceeded(
                    task_id=task_id, session_id=message.session_id, node_id=message.node_id
                )
            except DomainRejection as rejection:
                outcome = _refusal(task_id, message.session_id, rejection)
            await self.task(task_id, lambda s: domain.decide_outcome(s, outcome))
        elif isinstance(message, IngestionFailed):
            failure = domain.failure_of(task_id, message)
            await self.task(task_id, lambda s: domain.decide_outcome(s, failure))
        elif isinstance(message, TaskProgressed):
            await self.task(message.task_id, _progress(message))
        elif isinstance(message, MessageDeadLettered):
            await self.dead_lettered(message)

    async def delete(self, command: DeleteSession) -> None:
        """Delete the session: its stored objects, then (with SessionDeleted) its key."""
        stream = domain.session_stream(command.session_id)
        state = await self.states.load(
            self.store, stream, domain.SessionState(), domain.evolve_session
        )
        try:
            if not domain.should_delete(state, command):
                return
        except DomainRejection as rejection:
            log.warning("DeleteSession refused: %s", rejection)
            return
        removed = await deletion.remove_stored_data(self.storage, command.session_id)
        deleted = SessionDeleted(
            session_id=command.session_id, reason=command.reason, objects_removed=removed
        )
        await self.append(stream, state.version, [deleted])
        await self.store.shred(command.session_id)
        await self.store.purge_dead_letters(command.session_id)
        self.states.forget(stream)
        log.info("session %s deleted (%s, %d objects)", command.session_id, command.reason, removed)

    async def after_deletion(self, message: Message) -> None:
        """A message for a deleted session changes nothing; what a late report stored goes."""
        if isinstance(message, deletion.REPORTS_OF_STORED_DATA):
            await deletion.remove_stored_data(self.storage, self.cause.session_id)
        log.info("%s for deleted session %s ignored", self.cause.type, self.cause.session_id)

    async def dead_lettered(self, dead: MessageDeadLettered) -> None:
        """Keep the dead letter for the operators; fail its task at once if it is unfinished."""
        letter_id = self.cause.message_id
        stored = await self.store.record_dead_letter(letter_id, self.cause.occurred_at, dead)
        if not stored or dead.task_id is None or dead.session_id is None:
            return
        failure = domain.dead_letter_failure(dead, letter_id)
        if dead.original_type in OUTSIDE_THE_SESSION_QUEUE:
            await self.task(failure.task_id, lambda s: domain.decide_outcome(s, failure))
        else:
            await self.session(
                dead.session_id, lambda s: taskworkflow.decide_dead_lettered(s, failure)
            )

    async def request(
        self, session_id: UUID, decide: Callable[[domain.SessionState], list[Message]]
    ) -> None:
        """Queue a task in its session; a refused request fails the task instead."""
        try:
            await self.session(session_id, decide)
        except DomainRejection as rejection:
            failure = _refusal(self.cause.correlation_id, session_id, rejection)
            await self.task(failure.task_id, lambda s: domain.decide_outcome(s, failure))

    async def session(
        self, session_id: UUID, decide: Callable[[domain.SessionState], list[Message]]
    ) -> None:
        """Decide on the session; stages decided on the way go to their task's stream first."""
        stream = domain.session_stream(session_id)
        state = await self.states.load(
            self.store, stream, domain.SessionState(), domain.evolve_session
        )
        new = decide(state)
        for progressed in (m for m in new if isinstance(m, TaskProgressed)):
            await self.task(progressed.task_id, _progress(progressed))
        await self.append(
            stream, state.version, [m for m in new if not isinstance(m, TaskProgressed)]
        )

    async def task(
        self, task_id: UUID, decide: Callable[[domain.TaskState], list[Message]]
    ) -> None:
        stream = domain.task_stream(task_id)
        state = await self.states.load(self.store, stream, domain.TaskState(), domain.evolve_task)
        await self.append(stream, state.version, decide(state))

    async def append(self, stream: str, version: int, new: list[Message]) -> None:
        if new:
            envelopes = [stamped(self.cause.follow(m)) for m in new]
            await self.store.append(stream, version, envelopes)


def _bound(
    decision: SessionDecision, task_id: UUID, message: Message
) -> Callable[[domain.SessionState], list[Message]]:
    return lambda state: decision(state, task_id, message)


def _refusal(task_id: UUID, session_id: UUID, rejection: DomainRejection) -> TaskFailed:
    return TaskFailed(
        task_id=task_id, session_id=session_id, code=rejection.code, error=str(rejection)
    )


def _progress(progressed: TaskProgressed) -> Callable[[domain.TaskState], list[Message]]:
    return lambda state: domain.decide_progress(state, progressed)
