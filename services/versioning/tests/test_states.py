"""Cached stream states: brought up to date from the log, never stale, bounded."""

from __future__ import annotations

from unittest import mock
from uuid import UUID, uuid4

from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import TaskProgressed
from modulardata.contracts.tasks import TaskStage
from modulardata.versioning import domain
from modulardata.versioning.memory_log import MemoryLog
from modulardata.versioning.states import StreamStates


def _progress(task: UUID, stage: TaskStage) -> Envelope:
    event = TaskProgressed(task_id=task, session_id=uuid4(), stage=stage)
    return Envelope.wrap(event, session_id=event.session_id, correlation_id=event.task_id)


async def test_a_cached_state_reads_only_what_was_appended_since(memory_log: MemoryLog) -> None:
    states, task = StreamStates(), uuid4()
    stream = domain.task_stream(task)
    async with memory_log.transaction() as store:
        await store.append(stream, 0, [_progress(task, "thinking"), _progress(task, "testing")])
        first = await states.load(store, stream, domain.TaskState(), domain.evolve_task)
    assert first.version == 2
    # Another writer (a replica) appends; the cached state catches up from where it was.
    async with memory_log.transaction() as store:
        await store.append(stream, 2, [_progress(task, "executing")])
    evolve = mock.Mock(side_effect=domain.evolve_task)
    async with memory_log.transaction() as store:
        second = await states.load(store, stream, domain.TaskState(), evolve)
    assert second.version == 3
    assert evolve.call_count == 1


async def test_the_least_recently_used_states_are_dropped(memory_log: MemoryLog) -> None:
    states = StreamStates(capacity=1)
    tasks = [uuid4(), uuid4()]
    async with memory_log.transaction() as store:
        for task in tasks:
            await store.append(domain.task_stream(task), 0, [_progress(task, "thinking")])
        for task in tasks:
            await states.load(
                store, domain.task_stream(task), domain.TaskState(), domain.evolve_task
            )
        evolve = mock.Mock(side_effect=domain.evolve_task)
        again = await states.load(store, domain.task_stream(tasks[0]), domain.TaskState(), evolve)
    assert again.version == 1 and evolve.call_count == 1
