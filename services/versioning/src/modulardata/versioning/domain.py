"""Pure decisions of the versioning service: state evolved from events, events decided from it.

Two kinds of stream: `session-<id>` (the session, its version tree and head) and `task-<id>`
(one task's progress). Deciding twice on the same input gives no new events, which is what
makes redelivered messages harmless.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from uuid import UUID, uuid5

from modulardata.contracts.base import Message
from modulardata.contracts.commands import ChatTurn, CreateSession, DeleteSession
from modulardata.contracts.deadletters import DeadLetterCode, MessageDeadLettered
from modulardata.contracts.events import (
    ChatMessageRecorded,
    DatasetIngested,
    DatasetProfiled,
    DatasetUploaded,
    HeadMoved,
    IngestionFailed,
    SessionCreated,
    SessionDeleted,
    TaskFailed,
    TaskNeedsInput,
    TaskProgressed,
    TaskQueued,
    TaskStarted,
    TaskSucceeded,
    TransformationExecuted,
    TransformationPlanned,
    VersionCommitted,
)
from modulardata.contracts.operations import Plan
from modulardata.contracts.tasks import ChatTask, HeadMoveTask, ReplayTask, TaskKind
from modulardata.contracts.values import ColumnSchema
from modulardata.versioning.exceptions import DomainRejection


def session_stream(session_id: UUID) -> str:
    """Stream id of a session."""
    return f"session-{session_id}"


def task_stream(task_id: UUID) -> str:
    """Stream id of a task."""
    return f"task-{task_id}"


RECENT_TURNS = 20
"""Chat turns a session keeps at hand for the agents."""


@dataclass(frozen=True)
class NodeInfo:
    """What the session knows of one of its versions."""

    parent_id: UUID | None
    storage_uri: str
    row_count: int
    columns: tuple[ColumnSchema, ...]
    description: str


@dataclass(frozen=True)
class ActiveTask:
    """The session's running task and the results gathered for it so far."""

    task_id: UUID
    kind: TaskKind
    chat_message_id: UUID | None
    started_at: datetime
    head_node_id: UUID
    plan: Plan | None = None
    explanation: str | None = None
    executed: TransformationExecuted | None = None


@dataclass(frozen=True)
class SessionState:
    """What a session's events say about it."""

    version: int = 0
    session_id: UUID | None = None
    owner: str | None = None
    nodes: Mapping[UUID, NodeInfo] = field(default_factory=lambda: MappingProxyType({}))
    profiled: frozenset[UUID] = frozenset()
    head: UUID | None = None
    forward: UUID | None = None
    """The node a redo leads towards: the head before the last step back, if any."""
    queue: tuple[TaskQueued, ...] = ()
    active: ActiveTask | None = None
    recent: tuple[ChatTurn, ...] = ()
    deleted: bool = False

    def parent_of(self, node_id: UUID) -> UUID | None:
        """The node's parent; None for a root."""
        return self.nodes[node_id].parent_id

    def is_ancestor(self, ancestor: UUID, node_id: UUID) -> bool:
        """Whether `ancestor` lies on the path from the root to `node_id`, itself excluded."""
        current = self.parent_of(node_id)
        while current is not None:
            if current == ancestor:
                return True
            current = self.parent_of(current)
        return False


@dataclass(frozen=True)
class TaskState:
    """What a task's events say about it."""

    version: int = 0
    finished: bool = False


def evolve_session(state: SessionState, event: Message) -> SessionState:
    """The session after one more of its events."""
    state = replace(state, version=state.version + 1)
    if isinstance(event, SessionCreated):
        return replace(state, session_id=event.session_id, owner=event.owner)
    if isinstance(event, SessionDeleted):
        # Nothing of a deleted session is kept, not even in memory.
        return SessionState(version=state.version, session_id=event.session_id, deleted=True)
    if isinstance(event, VersionCommitted):
        return _committed(state, event)
    if isinstance(event, HeadMoved):
        return replace(state, head=event.node_id, forward=_forward_after(state, event.node_id))
    if isinstance(event, DatasetProfiled):
        return _profiled(state, event)
    if isinstance(event, ChatMessageRecorded):
        return _recorded_turn(state, event)
    return _evolve_task(state, event)


def _committed(state: SessionState, event: VersionCommitted) -> SessionState:
    info = NodeInfo(
        event.parent_id, event.storage_uri, event.row_count, event.columns, event.description
    )
    nodes = MappingProxyType({**state.nodes, event.node_id: info})
    profiled = state.profiled | {event.node_id} if event.profile_uri else state.profiled
    return replace(state, nodes=nodes, profiled=profiled)


def _forward_after(state: SessionState, new_head: UUID) -> UUID | None:
    """Where a redo leads once the head moves to `new_head`."""
    old, forward = state.head, state.forward
    if old is not None and state.is_ancestor(new_head, old):
        keep = forward is not None and (forward == old or state.is_ancestor(old, forward))
        return forward if keep else old
    if forward is not None and state.is_ancestor(new_head, forward):
        return forward
    return None


def _profiled(state: SessionState, event: DatasetProfiled) -> SessionState:
    if event.node_id in state.nodes:
        return replace(state, profiled=state.profiled | {event.node_id})
    return state


def _recorded_turn(state: SessionState, event: ChatMessageRecorded) -> SessionState:
    """An assistant's reply joins the recent turns (a user's joins when its task starts)."""
    if event.role != "assistant":
        return state
    active = state.active
    answered = active is not None and active.task_id == event.task_id and event.node_id
    plan = active.plan if active is not None and answered else None
    return _with_turn(state, ChatTurn(role="assistant", text=event.text, plan=plan))


def _with_turn(state: SessionState, turn: ChatTurn) -> SessionState:
    return replace(state, recent=(*state.recent, turn)[-RECENT_TURNS:])


def _evolve_task(state: SessionState, event: Message) -> SessionState:
    """The session after an event of one of its queued or running tasks."""
    active = state.active
    if isinstance(event, TaskQueued):
        return replace(state, queue=(*state.queue, event))
    if isinstance(event, TaskStarted):
        task = event.task
        chat = task if isinstance(task, ChatTask) else None
        replay = task if isinstance(task, ReplayTask) else None
        started = ActiveTask(
            task_id=event.task_id,
            kind=task.kind,
            chat_message_id=chat.chat_message_id if chat else None,
            started_at=event.started_at,
            head_node_id=event.head_node_id,
            plan=replay.plan if replay else None,
            explanation=replay.description if replay else None,
        )
        queue = tuple(t for t in state.queue if t.task_id != event.task_id)
        state = replace(state, queue=queue, active=started)
        return _with_turn(state, ChatTurn(role="user", text=chat.text)) if chat else state
    if isinstance(event, TransformationPlanned) and active is not None:
        return replace(
            state, active=replace(active, plan=event.plan, explanation=event.explanation)
        )
    if isinstance(event, TransformationExecuted) and active is not None:
        return replace(state, active=replace(active, executed=event))
    if isinstance(event, TaskSucceeded | TaskFailed | TaskNeedsInput):
        queue = tuple(t for t in state.queue if t.task_id != event.task_id)
        ended = active is not None and active.task_id == event.task_id
        return replace(state, queue=queue, active=None if ended else active)
    return state


def evolve_task(state: TaskState, event: Message) -> TaskState:
    """The task after one more of its events."""
    finished = state.finished or isinstance(event, TaskSucceeded | TaskFailed)
    return TaskState(version=state.version + 1, finished=finished)


def decide_create(state: SessionState, command: CreateSession) -> list[Message]:
    """Create the session unless it already exists (or existed: a deleted id stays used)."""
    if state.deleted:
        raise DomainRejection("session_deleted", f"session {command.session_id} was deleted")
    if state.owner is not None:
        if state.owner != command.owner:
            raise DomainRejection("session_exists", f"session {command.session_id} exists")
        return []
    return [SessionCreated(session_id=command.session_id, owner=command.owner, name=command.name)]


def should_delete(state: SessionState, command: DeleteSession) -> bool:
    """Whether to delete the session now: once, and only if it exists; a request (unlike
    retention) must come from its owner."""
    if state.deleted or state.owner is None:
        return False
    if command.owner is not None and command.owner != state.owner:
        raise DomainRejection("session_not_found", f"session {command.session_id} not found")
    return True


def decide_upload(state: SessionState, ingested: DatasetIngested) -> list[Message]:
    """Commit an ingested upload as a root node, once, and move the head to it: at once when the
    session is idle, else after the tasks before it (as a queued head move)."""
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
            filename=ingested.filename,
        ),
        _head_to_upload(state, ingested),
    ]


def _head_to_upload(state: SessionState, ingested: DatasetIngested) -> Message:
    if state.active is None and not state.queue:
        return HeadMoved(
            session_id=ingested.session_id, node_id=ingested.node_id, previous_node_id=state.head
        )
    return TaskQueued(
        task_id=uuid5(ingested.node_id, "head"),
        session_id=ingested.session_id,
        task=HeadMoveTask(node_id=ingested.node_id),
    )


def decide_progress(state: TaskState, progressed: TaskProgressed) -> list[Message]:
    """Record a stage unless the task has already finished (a late or repeated report)."""
    return [] if state.finished else [progressed]


def decide_outcome(state: TaskState, outcome: TaskSucceeded | TaskFailed) -> list[Message]:
    """Record how the task ended, only the first time."""
    return [] if state.finished else [outcome]


_GAVE_UP: Mapping[DeadLetterCode, str] = {
    "undecodable": "could not read it",
    "handler_failed": "failed on it {attempts} times in a row",
    "retry_budget_exhausted": "could not reach what it needs for it in time",
}


def dead_letter_failure(dead: MessageDeadLettered, dead_letter_id: UUID) -> TaskFailed:
    """The failure of the task whose message was given up on, in words a user can read (the
    operator finds the details under the dead letter's id)."""
    assert dead.task_id is not None and dead.session_id is not None
    service = dead.group_id.split(".")[0].removeprefix("modulardata-")
    why = _GAVE_UP[dead.code].format(attempts=dead.attempts)
    error = (
        f"This request could not be handled: the {service} service {why}. It was set aside for"
        f" an operator (dead letter {dead_letter_id}); try again, or change the request."
    )
    return TaskFailed(
        task_id=dead.task_id, session_id=dead.session_id, code="dead_lettered", error=error
    )


def failure_of(task_id: UUID, failed: IngestionFailed) -> TaskFailed:
    """The task failure an ingestion failure amounts to."""
    return TaskFailed(
        task_id=task_id, session_id=failed.session_id, code=failed.code, error=failed.reason
    )
