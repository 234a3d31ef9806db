"""The session's task workflow: chat, undo/redo, head moves and replays, each step decided
without I/O, and the command each recorded step sends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from uuid import UUID, uuid4, uuid5

from modulardata.contracts import topics
from modulardata.contracts.base import Message
from modulardata.contracts.commands import (
    CreateSession,
    ExecuteTransformation,
    ExpireTask,
    MoveHead,
    PlanChatMessage,
    ProfileVersion,
    ReplayRecipe,
    SendChatMessage,
)
from modulardata.contracts.deadletters import DeadLetterCode, MessageDeadLettered
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
from modulardata.contracts.operations import DropNulls, Plan, TrimWhitespace
from modulardata.contracts.tasks import ReplayTask
from modulardata.contracts.values import ColumnSchema
from modulardata.versioning import domain, taskworkflow
from modulardata.versioning.domain import SessionState
from services.versioning.tests.uploads import ingested

SESSION = uuid4()
COLUMNS = (ColumnSchema(name="age", dtype="double"), ColumnSchema(name="name", dtype="string"))
PLAN = Plan(operations=(DropNulls(columns=("age",)),))


class Session:
    """A session's state, advanced by the events its decisions return."""

    def __init__(self) -> None:
        self.state = SessionState()
        self.log: list[Message] = []
        self.apply(domain.decide_create(self.state, CreateSession(session_id=SESSION, owner="k")))
        upload = ingested(SESSION, rows=10, columns=COLUMNS, storage_uri="file:///root.parquet")
        self.root = upload.node_id
        self.apply(domain.decide_upload(self.state, upload))

    def apply(self, events: list[Message]) -> list[Message]:
        for event in events:
            if not isinstance(event, TaskProgressed):
                self.state = domain.evolve_session(self.state, event)
        self.log += events
        return events

    def send(self, text: str = "drop rows where age is missing") -> tuple[UUID, list[Message]]:
        task = uuid4()
        sent = SendChatMessage(session_id=SESSION, chat_message_id=uuid4(), text=text)
        return task, self.apply(taskworkflow.decide_message(self.state, task, sent))

    def planned(self, task: UUID, undo_first: bool = False) -> list[Message]:
        active = self.state.active
        assert active is not None and active.chat_message_id is not None
        planned = TransformationPlanned(
            session_id=SESSION,
            chat_message_id=active.chat_message_id,
            head_node_id=self.head,
            undo_first=undo_first,
            plan=PLAN,
            code=PLAN.compile(),
            explanation="Dropped rows where 'age' is missing.",
            planner="rules",
        )
        return self.apply(taskworkflow.decide_planned(self.state, task, planned))

    def executed(self, task: UUID, parent: UUID | None = None) -> list[Message]:
        executed = TransformationExecuted(
            session_id=SESSION,
            parent_node_id=parent or self.head,
            node_id=uuid5(task, "transformation"),
            storage_uri=f"file:///{task}.parquet",
            content_hash="h2",
            row_count=7,
            column_count=1,
            columns=COLUMNS[:1],
            code=PLAN.compile(),
        )
        return self.apply(taskworkflow.decide_executed(self.state, task, executed))

    def profiled(self, task: UUID) -> list[Message]:
        profiled = DatasetProfiled(
            session_id=SESSION,
            node_id=uuid5(task, "transformation"),
            profile_uri=f"file:///{task}.profile.json",
            row_count=7,
            column_count=1,
            finding_count=0,
        )
        return self.apply(taskworkflow.decide_profiled(self.state, task, profiled))

    def complete(self, text: str = "drop rows where age is missing") -> UUID:
        task, _ = self.send(text)
        self.planned(task)
        self.executed(task)
        self.profiled(task)
        return uuid5(task, "transformation")

    def undo_redo(self, direction: Literal["undo", "redo"], steps: int = 1) -> list[Message]:
        task, _ = self.send(f"{direction} that")
        active = self.state.active
        assert active is not None and active.chat_message_id is not None
        request = HeadMoveRequested(
            session_id=SESSION,
            chat_message_id=active.chat_message_id,
            direction=direction,
            steps=steps,
        )
        return self.apply(taskworkflow.decide_undo_redo(self.state, task, request))

    @property
    def head(self) -> UUID:
        assert self.state.head is not None
        return self.state.head


def _types(events: list[Message]) -> list[type]:
    return [type(e) for e in events]


def test_a_message_is_recorded_and_started_against_the_head() -> None:
    session = Session()
    task, events = session.send()
    assert _types(events) == [ChatMessageRecorded, TaskQueued, TaskStarted]
    started = events[-1]
    assert isinstance(started, TaskStarted)
    assert started.task_id == task
    assert started.head_node_id == session.root
    assert started.head_storage_uri == "file:///root.parquet"


def test_a_chat_task_goes_plan_execute_commit_then_profiles_the_committed_version() -> None:
    session = Session()
    task, _ = session.send()
    planned = session.planned(task)
    assert _types(planned) == [TransformationPlanned, ExecutionRequested]
    execution = planned[-1]
    assert isinstance(execution, ExecutionRequested) and execution.task_id == task
    assert (execution.parent_node_id, execution.parent_storage_uri) == (
        session.root,
        "file:///root.parquet",
    )
    assert execution.code == PLAN.compile()
    last = session.executed(task)
    assert _types(last) == [
        TransformationExecuted,
        ProfilingRequested,
        TaskProgressed,
        VersionCommitted,
        HeadMoved,
        ChatMessageRecorded,
        TaskSucceeded,
    ]
    profiling = last[1]
    assert isinstance(profiling, ProfilingRequested)
    assert profiling.node_id == uuid5(task, "transformation")
    assert profiling.storage_uri == f"file:///{task}.parquet"
    committed = next(e for e in last if isinstance(e, VersionCommitted))
    assert committed.parent_id == session.root
    assert committed.plan == PLAN
    assert committed.code == PLAN.compile()  # as the executor ran it
    assert committed.profile_uri is None  # the profile follows
    assert committed.task_id == task
    succeeded = last[-1]
    assert isinstance(succeeded, TaskSucceeded) and succeeded.summary is not None
    assert succeeded.summary.rows_before == 10 and succeeded.summary.rows_after == 7
    assert succeeded.summary.columns_removed == ("name",)
    assert session.head == committed.node_id
    assert session.state.active is None
    assert _types(session.profiled(task)) == [DatasetProfiled]
    assert committed.node_id in session.state.profiled
    assert session.profiled(task) == []  # recorded once


def test_a_version_executed_before_an_upgrade_is_committed_with_its_profile() -> None:
    """An earlier release committed a version only once it was profiled: a task it left
    waiting for its profile is committed when the profile comes."""
    session = Session()
    task, _ = session.send()
    session.planned(task)
    node = uuid5(task, "transformation")
    executed = TransformationExecuted(
        session_id=SESSION,
        parent_node_id=session.root,
        node_id=node,
        storage_uri=f"file:///{task}.parquet",
        content_hash="h2",
        row_count=7,
        column_count=1,
        columns=COLUMNS[:1],
        code=PLAN.compile(),
    )
    profiling = ProfilingRequested(
        task_id=task, session_id=SESSION, node_id=node, storage_uri=executed.storage_uri
    )
    session.apply([executed, profiling])  # as that release recorded them
    last = session.profiled(task)
    assert _types(last)[:3] == [DatasetProfiled, TaskProgressed, VersionCommitted]
    committed = last[2]
    assert isinstance(committed, VersionCommitted)
    assert committed.profile_uri == f"file:///{task}.profile.json"
    assert session.head == node and session.state.active is None
    assert session.profiled(task) == []


def test_a_step_reported_twice_or_out_of_turn_decides_nothing() -> None:
    session = Session()
    task, _ = session.send()
    assert session.executed(task) == []  # no code was sent yet
    session.planned(task)
    assert session.planned(task) == []
    assert session.profiled(task) == []  # nothing executed yet: no profile is asked for
    session.executed(task)
    assert session.executed(task) == []


def test_a_plan_replacing_the_last_change_runs_on_the_heads_parent() -> None:
    session = Session()
    first = session.complete()
    task, _ = session.send("trim name instead")
    execution = session.planned(task, undo_first=True)[-1]
    assert isinstance(execution, ExecutionRequested)
    assert execution.parent_node_id == session.root != first
    assert execution.parent_storage_uri == "file:///root.parquet"


def test_replacing_the_last_change_of_an_upload_asks_instead_of_running() -> None:
    session = Session()
    task, _ = session.send("trim name instead")
    events = session.planned(task, undo_first=True)
    assert _types(events) == [ChatMessageRecorded, TaskNeedsInput]
    needs = events[-1]
    assert isinstance(needs, TaskNeedsInput) and needs.reason == "failed"
    assert "no earlier change" in needs.question
    assert session.state.active is None


def test_each_step_sends_its_command_for_its_own_task() -> None:
    session = Session()
    task, started = session.send()
    planned = session.planned(task)
    executed = session.executed(task)
    # The cause of a step may belong to another task (the end of the one before it).
    cause = Envelope.wrap(planned[0], session_id=SESSION, correlation_id=uuid4())

    def sent(event: Message) -> list[tuple[Message, str, UUID]]:
        recorded = cause.follow(event)
        return [
            (command.open(), topic, command.correlation_id)
            for command, topic in taskworkflow.commands_for(recorded)
        ]

    [(plan, plan_topic, plan_task)] = sent(started[-1])
    assert isinstance(plan, PlanChatMessage) and plan_topic == topics.AGENTS_COMMANDS
    assert (plan.text, plan.head_node_id, plan_task) == (
        "drop rows where age is missing",
        session.root,
        task,
    )
    [(execute, execute_topic, execute_task)] = sent(planned[-1])
    assert isinstance(execute, ExecuteTransformation)
    assert (execute_topic, execute_task, execute.code) == (
        topics.EXECUTOR_COMMANDS,
        task,
        PLAN.compile(),
    )
    [(profile, profile_topic, profile_task)] = sent(executed[1])
    assert isinstance(profile, ProfileVersion)
    assert (profile_topic, profile_task) == (topics.PROFILER_COMMANDS, task)
    assert profile.node_id == uuid5(task, "transformation")
    assert sent(planned[0]) == sent(executed[0]) == sent(started[0]) == []
    again = cause.follow(planned[-1])
    ids = [c.message_id for c, _ in taskworkflow.commands_for(again)]
    assert ids == [c.message_id for c, _ in taskworkflow.commands_for(again)]


def test_messages_sent_together_run_one_after_the_other_on_the_latest_head() -> None:
    session = Session()
    first, _ = session.send("first")
    second, events = session.send("second")
    assert not any(isinstance(e, TaskStarted) for e in events)
    session.planned(first)
    finished = session.executed(first)
    started = finished[-1]
    assert isinstance(started, TaskStarted) and started.task_id == second
    assert started.head_node_id == uuid5(first, "transformation")
    assert [turn.text for turn in started.recent_messages][0] == "first"
    assert started.recent_messages[-1].plan == PLAN


def test_results_of_another_task_are_ignored() -> None:
    session = Session()
    session.send()
    assert session.executed(uuid4()) == []
    assert session.profiled(uuid4()) == []


def test_undo_moves_back_and_redo_forward_again() -> None:
    session = Session()
    first = session.complete("one")
    second = session.complete("two")
    undone = session.undo_redo("undo")
    assert _types(undone)[:3] == [HeadMoved, ChatMessageRecorded, TaskSucceeded]
    assert session.head == first
    session.undo_redo("undo")
    assert session.head == session.root
    session.undo_redo("redo", steps=2)
    assert session.head == second


def test_nothing_to_undo_fails_the_task_with_a_reply() -> None:
    session = Session()
    events = session.undo_redo("undo")
    assert _types(events) == [ChatMessageRecorded, TaskFailed]
    failed = events[-1]
    assert isinstance(failed, TaskFailed) and failed.code == "nothing_to_undo"
    assert session.head == session.root
    assert _types(session.undo_redo("redo")) == [ChatMessageRecorded, TaskFailed]


def test_a_message_after_an_undo_branches_and_ends_redo() -> None:
    session = Session()
    first = session.complete("one")
    session.complete("two")
    session.undo_redo("undo")
    branch = session.complete("three")
    assert session.state.nodes[branch].parent_id == first
    assert session.state.forward is None
    assert _types(session.undo_redo("redo"))[-1] is TaskFailed


def test_a_head_move_goes_to_any_node_and_refuses_unknown_ones() -> None:
    session = Session()
    first = session.complete("one")
    task = uuid4()
    moved = session.apply(
        taskworkflow.decide_head_move(
            session.state, task, MoveHead(session_id=SESSION, node_id=session.root)
        )
    )
    assert _types(moved) == [TaskQueued, HeadMoved, TaskSucceeded]
    assert session.head == session.root
    assert session.state.forward == first
    unknown = taskworkflow.decide_head_move(
        session.state, uuid4(), MoveHead(session_id=SESSION, node_id=uuid4())
    )
    failed = unknown[-1]
    assert isinstance(failed, TaskFailed) and failed.code == "node_not_found"


def test_a_failed_transformation_ends_the_task_without_a_version() -> None:
    session = Session()
    task, _ = session.send()
    failed = TransformationFailed(
        session_id=SESSION, parent_node_id=session.root, code="x", error="line 1: boom"
    )
    events = session.apply(taskworkflow.decide_failed(session.state, task, failed))
    assert _types(events) == [ChatMessageRecorded, TaskFailed]
    assert "boom" in events[0].text  # type: ignore[attr-defined]
    assert session.head == session.root and session.state.active is None


def test_a_version_that_cannot_be_profiled_stays_committed_without_a_profile() -> None:
    session = Session()
    first, _ = session.send("first")
    session.planned(first)
    session.executed(first)
    node = uuid5(first, "transformation")
    task, _ = session.send("second")
    failed = ProfilingFailed(session_id=SESSION, node_id=node, error="data missing")
    # The failure belongs to the task that made the version, which has ended.
    assert taskworkflow.decide_failed(session.state, first, failed) == []
    assert session.head == node and node not in session.state.profiled
    active = session.state.active
    assert active is not None and active.task_id == task


def test_a_clarification_asks_and_frees_the_queue() -> None:
    session = Session()
    task, _ = session.send("make it better")
    second, _ = session.send("drop rows where age is missing")
    active = session.state.active
    assert active is not None and active.chat_message_id is not None
    asked = ClarificationRequested(
        session_id=SESSION,
        chat_message_id=active.chat_message_id,
        question="What should change?",
        reason="not_understood",
    )
    events = session.apply(taskworkflow.decide_clarification(session.state, task, asked))
    assert _types(events) == [ChatMessageRecorded, TaskNeedsInput, TaskStarted]
    assert session.state.active is not None and session.state.active.task_id == second


def test_a_replay_starts_with_its_plan_and_commits_without_a_chat_message() -> None:
    session = Session()
    task = uuid4()
    plan = Plan(operations=(TrimWhitespace(columns=("name",)), DropNulls(columns=("age",))))
    replay = ReplayRecipe(session_id=SESSION, plan=plan, description="Replayed a recipe")
    started, execution = session.apply(taskworkflow.decide_replay(session.state, task, replay))[-2:]
    assert isinstance(started, TaskStarted) and started.task == ReplayTask(
        plan=plan, description="Replayed a recipe"
    )
    assert isinstance(execution, ExecutionRequested) and execution.code == plan.compile()
    assert execution.parent_node_id == session.root and execution.chat_message_id is None
    done = session.executed(task)
    assert _types(done) == [
        TransformationExecuted,
        ProfilingRequested,
        TaskProgressed,
        VersionCommitted,
        HeadMoved,
        TaskSucceeded,
    ]


def test_a_silent_running_task_expires_and_the_next_one_starts() -> None:
    session = Session()
    first, _ = session.send("first")
    second, _ = session.send("second")
    seen = datetime.now(UTC)  # a sweep saw both tasks silent since now

    def expire(task: UUID, stage: str) -> list[Message]:
        command = ExpireTask(
            session_id=SESSION, task_id=task, stage=stage, silent_since=seen, waited_s=612.4
        )
        return session.apply(taskworkflow.decide_expired(session.state, task, command))

    assert expire(second, "queued") == []  # not running: it waits for the first
    events = expire(first, "executing")
    assert _types(events) == [ChatMessageRecorded, TaskFailed, TaskStarted]
    failed = events[1]
    assert isinstance(failed, TaskFailed) and failed.code == "timed_out"
    assert "612 s" in failed.error and "'executing'" in failed.error
    assert session.state.active is not None and session.state.active.task_id == second
    # The same sweep's expiry of the second task is stale: it only just started.
    assert expire(second, "queued") == []
    # A late result of the expired task changes nothing.
    assert session.executed(first) == []


def _dead_letter(task: UUID, code: DeadLetterCode, group_id: str) -> MessageDeadLettered:
    return MessageDeadLettered(
        topic="modulardata.agents.commands",
        partition=0,
        offset=7,
        group_id=group_id,
        session_id=SESSION,
        task_id=task,
        code=code,
        reason="DataError('(psycopg.DataError) ... [SQL: INSERT INTO events ...]')",
        attempts=3,
        body_base64="",
        body_truncated=False,
    )


def test_a_running_task_whose_message_was_dead_lettered_fails_at_once() -> None:
    session = Session()
    first, _ = session.send("first")
    second, _ = session.send("second")
    letter = uuid4()

    def dead_lettered(task: UUID) -> list[Message]:
        failure = domain.dead_letter_failure(
            _dead_letter(task, "handler_failed", "modulardata-agents"), letter
        )
        return session.apply(taskworkflow.decide_dead_lettered(session.state, failure))

    assert dead_lettered(second) == []  # queued: its messages have not been sent yet
    events = dead_lettered(first)
    assert _types(events) == [ChatMessageRecorded, TaskFailed, TaskStarted]
    reply, failed, started = events
    assert isinstance(failed, TaskFailed) and failed.code == "dead_lettered"
    assert isinstance(reply, ChatMessageRecorded) and reply.text == failed.error
    assert isinstance(started, TaskStarted) and started.task_id == second
    assert dead_lettered(first) == []  # already ended
    assert session.executed(first) == []


def test_a_dead_lettered_task_is_told_why_in_words_without_internals() -> None:
    letter, task = uuid4(), uuid4()

    def error(code: DeadLetterCode, group_id: str) -> str:
        return domain.dead_letter_failure(_dead_letter(task, code, group_id), letter).error

    assert "the agents service failed on it 3 times" in error(
        "handler_failed", "modulardata-agents"
    )
    assert "the versioning service could not read it" in error(
        "undecodable", "modulardata-versioning.commands"
    )
    assert "the profiler service could not reach" in error(
        "retry_budget_exhausted", "modulardata-profiler"
    )
    worded = error("handler_failed", "modulardata-executor")
    assert f"dead letter {letter}" in worded
    assert "SQL" not in worded and "DataError" not in worded


def test_an_upload_during_a_task_becomes_the_head_after_it() -> None:
    session = Session()
    task, _ = session.send()
    upload = ingested(SESSION, rows=3, columns=COLUMNS)
    uploaded = session.apply(domain.decide_upload(session.state, upload))
    assert _types(uploaded)[-1] is TaskQueued
    assert upload.node_id in session.state.nodes and session.head == session.root
    session.planned(task)
    finished = session.executed(task)
    assert _types(finished)[-2:] == [HeadMoved, TaskSucceeded]
    assert session.head == upload.node_id
