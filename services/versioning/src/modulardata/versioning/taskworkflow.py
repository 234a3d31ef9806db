"""A session's task workflow: the one place that decides each next step of a task.

Tasks (chat messages, head moves, replays) run one at a time, in order. A task is queued, then
started against the head of that moment, and goes step by step; each step's command is sent
(by the outbox relay, see `commands_for`) from the event that records the decision, and the
service that does it only reports back:

    chat:   TaskStarted -> PlanChatMessage (agents)
              -> TransformationPlanned: ExecutionRequested -> ExecuteTransformation (executor)
                   on the head, or for "... instead" on the head's parent
              -> TransformationExecuted: VersionCommitted, HeadMoved, TaskSucceeded, and
                   ProfilingRequested -> ProfileVersion (profiler)
              -> DatasetProfiled: the committed node's profile, recorded when it comes
            or HeadMoveRequested (undo/redo), ClarificationRequested, a *Failed report: ended

The executor reports the new version's schema and counts, which is all the next step needs, so
a version is committed as soon as it exists; its profile (statistics and findings, for people
and the crew's prompt) follows off the task's critical path.
    replay: TaskStarted, ExecutionRequested -> ... as for chat, from the execution on
    head move: TaskStarted is not needed; HeadMoved, TaskSucceeded at once

A task's end starts the next queued one. Pure decisions: each takes the session's state and
the task the incoming message belongs to; results of a task no longer running are ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID, uuid5

from modulardata.contracts import topics
from modulardata.contracts.base import Message
from modulardata.contracts.commands import (
    ExecuteTransformation,
    ExpireTask,
    MoveHead,
    PlanChatMessage,
    ProfileVersion,
    ReplayRecipe,
    SendChatMessage,
)
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import (
    ChatMessageRecorded,
    ClarificationRequested,
    DatasetProfiled,
    ExecutionRequested,
    HeadMoved,
    HeadMoveRequested,
    ProfilingFailed,
    ProfilingRequested,
    TaskFailed,
    TaskNeedsInput,
    TaskProgressed,
    TaskQueued,
    TaskStarted,
    TaskSucceeded,
    TransformationExecuted,
    TransformationFailed,
    TransformationPlanned,
    VersionCommitted,
)
from modulardata.contracts.tasks import ChatTask, HeadMoveTask, ReplayTask
from modulardata.contracts.values import ChangeSummary
from modulardata.versioning.domain import ActiveTask, SessionState, evolve_session
from modulardata.versioning.exceptions import DomainRejection


def decide_message(state: SessionState, task_id: UUID, sent: SendChatMessage) -> list[Message]:
    """Record the user's message and queue the task answering it."""
    _require_head(state, sent.session_id)
    said = ChatMessageRecorded(
        session_id=sent.session_id,
        chat_message_id=sent.chat_message_id,
        role="user",
        text=sent.text,
        task_id=task_id,
    )
    queued = TaskQueued(
        task_id=task_id,
        session_id=sent.session_id,
        task=ChatTask(chat_message_id=sent.chat_message_id, text=sent.text),
    )
    return _enqueue(state, [said, queued])


def decide_head_move(state: SessionState, task_id: UUID, move: MoveHead) -> list[Message]:
    """Queue a move of the head to a node of the session."""
    _require_head(state, move.session_id)
    queued = TaskQueued(
        task_id=task_id, session_id=move.session_id, task=HeadMoveTask(node_id=move.node_id)
    )
    return _enqueue(state, [queued])


def decide_replay(state: SessionState, task_id: UUID, replay: ReplayRecipe) -> list[Message]:
    """Queue a replay of a recipe on the head."""
    _require_head(state, replay.session_id)
    queued = TaskQueued(
        task_id=task_id,
        session_id=replay.session_id,
        task=ReplayTask(plan=replay.plan, description=replay.description),
    )
    return _enqueue(state, [queued])


def decide_planned(
    state: SessionState, task_id: UUID, planned: TransformationPlanned
) -> list[Message]:
    """Record the running task's plan and send its code to the executor, on the head or, for a
    plan replacing the last change, on the head's parent."""
    active = _running(state, task_id)
    if active is None or active.plan is not None:
        return []
    parent = state.parent_of(active.head_node_id) if planned.undo_first else active.head_node_id
    if parent is None:
        question = "There is no earlier change to replace."
        needs = TaskNeedsInput(
            task_id=task_id, session_id=planned.session_id, question=question, reason="failed"
        )
        return _finish(state, active, [needs], question)
    return [planned, _execution(state, active, parent, planned.code)]


def decide_executed(
    state: SessionState, task_id: UUID, executed: TransformationExecuted
) -> list[Message]:
    """Commit the running task's new version and send it to the profiler (only once its code
    was sent: a version nobody asked for is not recorded)."""
    active = _running(state, task_id)
    if active is None or active.plan is None or active.executed is not None:
        return []
    profiling = ProfilingRequested(
        task_id=task_id,
        session_id=executed.session_id,
        node_id=executed.node_id,
        storage_uri=executed.storage_uri,
    )
    recorded: list[Message] = [executed, profiling]
    return recorded + _commit(_fold(state, recorded), profile_uri=None)


def decide_profiled(state: SessionState, task_id: UUID, profiled: DatasetProfiled) -> list[Message]:
    """Record a committed node's profile once. A version executed before versions were
    committed ahead of their profile (by an earlier release) waits for it: it is committed
    now."""
    if profiled.node_id in state.nodes:
        return [] if profiled.node_id in state.profiled else [profiled]
    active = _running(state, task_id)
    if active is None or active.executed is None or active.executed.node_id != profiled.node_id:
        return []
    return [profiled, *_commit(_fold(state, [profiled]), profile_uri=profiled.profile_uri)]


def decide_failed(
    state: SessionState, task_id: UUID, failed: TransformationFailed | ProfilingFailed
) -> list[Message]:
    """End the running task: its code could not run, or its version not be profiled, so no
    version is made."""
    active = _running(state, task_id)
    if active is None:
        return []
    failure = TaskFailed(
        task_id=task_id,
        session_id=failed.session_id,
        code="transformation_failed",
        error=failed.error,
    )
    reply = f"I could not apply that: {failed.error}"
    return _finish(state, active, [failure], reply)


def decide_clarification(
    state: SessionState, task_id: UUID, asked: ClarificationRequested
) -> list[Message]:
    """End the running task with the agents' question for the user."""
    active = _running(state, task_id)
    if active is None:
        return []
    needs = TaskNeedsInput(
        task_id=task_id, session_id=asked.session_id, question=asked.question, reason=asked.reason
    )
    return _finish(state, active, [needs], asked.question)


def decide_expired(state: SessionState, task_id: UUID, expire: ExpireTask) -> list[Message]:
    """Fail the running task if it is still `task_id` and was silent since it started (a sweep
    may have seen the task while it still waited in the queue)."""
    active = _running(state, expire.task_id)
    if active is None or active.started_at > expire.silent_since:
        return []
    error = (
        f"No answer came for {expire.waited_s:.0f} s at the '{expire.stage}' step, so the task"
        " was stopped; try again."
    )
    failure = TaskFailed(
        task_id=active.task_id, session_id=expire.session_id, code="timed_out", error=error
    )
    return _finish(state, active, [failure], error)


def decide_dead_lettered(state: SessionState, failure: TaskFailed) -> list[Message]:
    """End the task at once if it is still running: a message it waits for was given up on."""
    active = _running(state, failure.task_id)
    if active is None:
        return []
    return _finish(state, active, [failure], failure.error)


def decide_undo_redo(
    state: SessionState, task_id: UUID, request: HeadMoveRequested
) -> list[Message]:
    """Move the head back (undo) or forward again (redo) for the running task."""
    active = _running(state, task_id)
    if active is None or state.head is None:
        return []
    step: Callable[[UUID], UUID | None] = (
        state.parent_of if request.direction == "undo" else lambda node: _toward(state, node)
    )
    target, moved = state.head, 0
    while moved < request.steps and (next_node := step(target)) is not None:
        target, moved = next_node, moved + 1
    if moved == 0:
        failure = TaskFailed(
            task_id=task_id,
            session_id=request.session_id,
            code=f"nothing_to_{request.direction}",
            error=f"There is nothing to {request.direction}.",
        )
        return _finish(state, active, [failure], failure.error)
    verb = "Undid" if request.direction == "undo" else "Redid"
    changes = "change" if moved == 1 else "changes"
    reply = f"{verb} {moved} {changes}: the current version is '{state.nodes[target].description}'."
    done = TaskSucceeded(task_id=task_id, session_id=request.session_id, node_id=target)
    return _finish(state, active, [_move(state, target), done], reply, node_id=target)


def _require_head(state: SessionState, session_id: UUID) -> None:
    if state.owner is None:
        raise DomainRejection("session_not_found", f"session {session_id} does not exist")
    if state.head is None:
        raise DomainRejection("no_dataset", "upload a dataset to the session first")


def _running(state: SessionState, task_id: UUID) -> ActiveTask | None:
    """The running task if it is `task_id`: results of any other task are stale."""
    active = state.active
    return active if active is not None and active.task_id == task_id else None


def _fold(state: SessionState, events: list[Message]) -> SessionState:
    for event in events:
        if not isinstance(event, TaskProgressed):
            state = evolve_session(state, event)
    return state


def _enqueue(state: SessionState, events: list[Message]) -> list[Message]:
    return events + _start_next(_fold(state, events))


def _start_next(state: SessionState) -> list[Message]:
    """Start queued tasks until one is running or none is left (a head move ends at once)."""
    started: list[Message] = []
    while state.active is None and state.queue:
        step = _start(state, state.queue[0])
        started += step
        state = _fold(state, step)
    return started


def _start(state: SessionState, queued: TaskQueued) -> list[Message]:
    assert state.head is not None
    task = queued.task
    if isinstance(task, HeadMoveTask):
        return _move_head(state, queued, task)
    started = TaskStarted(
        task_id=queued.task_id,
        session_id=queued.session_id,
        task=task,
        head_node_id=state.head,
        head_storage_uri=state.nodes[state.head].storage_uri,
        recent_messages=state.recent if isinstance(task, ChatTask) else (),
    )
    if isinstance(task, ChatTask):
        return [started]
    state = _fold(state, [started])
    assert state.active is not None
    return [started, _execution(state, state.active, started.head_node_id, task.plan.compile())]


def _execution(state: SessionState, active: ActiveTask, parent: UUID, code: str) -> Message:
    assert state.session_id is not None
    return ExecutionRequested(
        task_id=active.task_id,
        session_id=state.session_id,
        parent_node_id=parent,
        parent_storage_uri=state.nodes[parent].storage_uri,
        code=code,
        chat_message_id=active.chat_message_id,
    )


def _move_head(state: SessionState, queued: TaskQueued, task: HeadMoveTask) -> list[Message]:
    target, ids = task.node_id, {"task_id": queued.task_id, "session_id": queued.session_id}
    if target not in state.nodes:
        error = f"node {target} is not a version of this session"
        return [TaskFailed(**ids, code="node_not_found", error=error)]
    moved = [_move(state, target)] if target != state.head else []
    return [*moved, TaskSucceeded(**ids, node_id=target)]


def _move(state: SessionState, target: UUID) -> HeadMoved:
    assert state.session_id is not None
    return HeadMoved(session_id=state.session_id, node_id=target, previous_node_id=state.head)


def _toward(state: SessionState, node_id: UUID) -> UUID | None:
    """The child of `node_id` on the way to the redo target, if there is one."""
    current = state.forward
    while current is not None:
        parent = state.parent_of(current)
        if parent == node_id:
            return current
        current = parent
    return None


def _commit(state: SessionState, *, profile_uri: str | None) -> list[Message]:
    """Commit the running task's executed version (with its profile, if it has one yet)."""
    active = state.active
    assert active is not None and active.plan is not None and active.executed is not None
    executed = active.executed
    parent = state.nodes[executed.parent_node_id]
    summary = ChangeSummary.between(
        parent.columns, parent.row_count, executed.columns, executed.row_count
    )
    description = active.explanation or active.plan.describe()
    ids = {"session_id": executed.session_id}
    committed: list[Message] = [
        TaskProgressed(task_id=active.task_id, stage="committing", **ids),
        VersionCommitted(
            node_id=executed.node_id,
            parent_id=executed.parent_node_id,
            storage_uri=executed.storage_uri,
            content_hash=executed.content_hash,
            row_count=executed.row_count,
            column_count=executed.column_count,
            columns=executed.columns,
            created_by_message_id=active.chat_message_id,
            description=description,
            plan=active.plan,
            profile_uri=profile_uri,
            task_id=active.task_id,
            code=executed.code,
            **ids,
        ),
    ]
    state = _fold(state, committed)
    done = TaskSucceeded(task_id=active.task_id, node_id=executed.node_id, summary=summary, **ids)
    reply = f"{description} ({summary.describe()})"
    return committed + _finish(
        state, active, [_move(state, executed.node_id), done], reply, node_id=executed.node_id
    )


def _finish(
    state: SessionState,
    active: ActiveTask,
    outcome: list[Message],
    reply: str,
    *,
    node_id: UUID | None = None,
) -> list[Message]:
    """The task's outcome, the assistant's reply for a chat task, then the next task started."""
    events = list(outcome)
    if active.chat_message_id is not None:
        assert state.session_id is not None
        events.insert(
            len(events) - 1,
            ChatMessageRecorded(
                session_id=state.session_id,
                chat_message_id=uuid5(active.task_id, "reply"),
                role="assistant",
                text=reply,
                node_id=node_id,
                task_id=active.task_id,
            ),
        )
    return events + _start_next(_fold(state, events))


def commands_for(envelope: Envelope) -> list[tuple[Envelope, str]]:
    """The command (and its base topic) a recorded step sends, if any: the event log doubles as
    the outbox. Its id derives from the event's, so a batch relayed again after a crash sends
    the same ids and consumers' dedupe holds."""
    step = envelope.open()
    if not isinstance(step, TaskStarted | ExecutionRequested | ProfilingRequested):
        return []
    sent = _command(step)
    if sent is None:
        return []
    command, topic = sent
    # The step's task, not the envelope's: a task started when the one before it ended was
    # caused by that one's message.
    wrapped = Envelope.wrap(
        command, session_id=step.session_id, correlation_id=step.task_id, trace=envelope.trace
    )
    return [
        (
            wrapped.model_copy(
                update={
                    "message_id": uuid5(envelope.message_id, command.TYPE),
                    "causation_id": envelope.message_id,
                }
            ),
            topic,
        )
    ]


def _command(
    event: TaskStarted | ExecutionRequested | ProfilingRequested,
) -> tuple[Message, str] | None:
    if isinstance(event, TaskStarted) and isinstance(event.task, ChatTask):
        plan = PlanChatMessage(
            session_id=event.session_id,
            chat_message_id=event.task.chat_message_id,
            text=event.task.text,
            head_node_id=event.head_node_id,
            head_storage_uri=event.head_storage_uri,
            recent_messages=event.recent_messages,
        )
        return plan, topics.AGENTS_COMMANDS
    if isinstance(event, ExecutionRequested):
        execute = ExecuteTransformation(
            session_id=event.session_id,
            parent_node_id=event.parent_node_id,
            parent_storage_uri=event.parent_storage_uri,
            code=event.code,
            chat_message_id=event.chat_message_id,
        )
        return execute, topics.EXECUTOR_COMMANDS
    if isinstance(event, ProfilingRequested):
        profile = ProfileVersion(
            session_id=event.session_id, node_id=event.node_id, storage_uri=event.storage_uri
        )
        return profile, topics.PROFILER_COMMANDS
    return None  # a replay's TaskStarted: its ExecutionRequested comes with it
