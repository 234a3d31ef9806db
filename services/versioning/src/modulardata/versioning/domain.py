"""Pure decisions of the versioning service: state evolved from events, events decided from it.

Two kinds of stream: `session-<id>` (the session, its version tree and head) and `task-<id>`
(one task's progress). Deciding twice on the same input gives no new events, which is what
makes redelivered messages harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from modulardata.contracts.base import Message
from modulardata.contracts.commands import CreateSession
from modulardata.contracts.events import (
    DatasetIngested,
    DatasetProfiled,
    DatasetUploaded,
    HeadMoved,
    IngestionFailed,
    SessionCreated,
    TaskFailed,
    TaskProgressed,
    TaskSucceeded,
    VersionCommitted,
)
from modulardata.versioning.exceptions import DomainRejection


def session_stream(session_id: UUID) -> str:
    """Stream id of a session."""
    return f"session-{session_id}"


def task_stream(task_id: UUID) -> str:
    """Stream id of a task."""
    return f"task-{task_id}"


@dataclass(frozen=True)
class SessionState:
    """What a session's events say about it."""

    version: int = 0
    owner: str | None = None
    nodes: frozenset[UUID] = frozenset()
    profiled: frozenset[UUID] = frozenset()
    head: UUID | None = None


@dataclass(frozen=True)
class TaskState:
    """What a task's events say about it."""

    version: int = 0
    finished: bool = False


def evolve_session(state: SessionState, event: Message) -> SessionState:
    """The session after one more of its events."""
    state = replace(state, version=state.version + 1)
    if isinstance(event, SessionCreated):
        return replace(state, owner=event.owner)
    if isinstance(event, VersionCommitted):
        return replace(state, nodes=state.nodes | {event.node_id})
    if isinstance(event, HeadMoved):
        return replace(state, head=event.node_id)
    if isinstance(event, DatasetProfiled):
        return replace(state, profiled=state.profiled | {event.node_id})
    return state


def evolve_task(state: TaskState, event: Message) -> TaskState:
    """The task after one more of its events."""
    finished = state.finished or isinstance(event, TaskSucceeded | TaskFailed)
    return TaskState(version=state.version + 1, finished=finished)


def decide_create(state: SessionState, command: CreateSession) -> list[Message]:
    """Create the session unless it already exists."""
    if state.owner is not None:
        if state.owner != command.owner:
            raise DomainRejection("session_exists", f"session {command.session_id} exists")
        return []
    return [SessionCreated(session_id=command.session_id, owner=command.owner, name=command.name)]


def decide_upload(state: SessionState, ingested: DatasetIngested) -> list[Message]:
    """Commit an ingested upload as a root node and move the head to it, once."""
    if state.owner is None:
        raise DomainRejection("session_not_found", f"session {ingested.session_id} does not exist")
    if ingested.node_id in state.nodes:
        return []
    return [
        DatasetUploaded(
            session_id=ingested.session_id,
            node_id=ingested.node_id,
            filename=ingested.filename,
            upload_uri=ingested.upload_uri,
        ),
        VersionCommitted(
            session_id=ingested.session_id,
            node_id=ingested.node_id,
            parent_id=None,
            storage_uri=ingested.storage_uri,
            content_hash=ingested.content_hash,
            row_count=ingested.row_count,
            column_count=ingested.column_count,
            columns=ingested.columns,
            description=f"Uploaded {ingested.filename}",
        ),
        HeadMoved(
            session_id=ingested.session_id, node_id=ingested.node_id, previous_node_id=state.head
        ),
    ]


def decide_profiled(state: SessionState, profiled: DatasetProfiled) -> list[Message]:
    """Record a node's profile once; a profile of a node the session lacks is dropped."""
    if profiled.node_id not in state.nodes or profiled.node_id in state.profiled:
        return []
    return [profiled]


def decide_progress(state: TaskState, progressed: TaskProgressed) -> list[Message]:
    """Record a stage unless the task has already finished (a late or repeated report)."""
    return [] if state.finished else [progressed]


def decide_outcome(state: TaskState, outcome: TaskSucceeded | TaskFailed) -> list[Message]:
    """Record how the task ended, only the first time."""
    return [] if state.finished else [outcome]


def failure_of(task_id: UUID, failed: IngestionFailed) -> TaskFailed:
    """The task failure an ingestion failure amounts to."""
    return TaskFailed(
        task_id=task_id, session_id=failed.session_id, code=failed.code, error=failed.reason
    )
