"""Decisions of the versioning domain, without any I/O."""

from __future__ import annotations

from functools import reduce
from uuid import UUID, uuid4

import pytest

from modulardata.contracts.base import Message
from modulardata.contracts.commands import CreateSession
from modulardata.contracts.events import (
    DatasetIngested,
    DatasetProfiled,
    DatasetUploaded,
    HeadMoved,
    SessionCreated,
    TaskFailed,
    TaskProgressed,
    TaskSucceeded,
    VersionCommitted,
)
from modulardata.versioning import domain, taskworkflow
from modulardata.versioning.exceptions import DomainRejection
from services.versioning.tests.uploads import ingested

SESSION = uuid4()


def _ingested(node: UUID | None = None) -> DatasetIngested:
    return ingested(SESSION, node_id=node)


def _fold(events: list[Message]) -> domain.SessionState:
    return reduce(domain.evolve_session, events, domain.SessionState())


def test_a_session_is_created_once() -> None:
    create = CreateSession(session_id=SESSION, owner="k")
    created = domain.decide_create(domain.SessionState(), create)
    assert [type(e) for e in created] == [SessionCreated]
    assert domain.decide_create(_fold(created), create) == []


def test_another_owner_cannot_take_an_existing_session() -> None:
    state = _fold(
        domain.decide_create(domain.SessionState(), CreateSession(session_id=SESSION, owner="k"))
    )
    with pytest.raises(DomainRejection):
        domain.decide_create(state, CreateSession(session_id=SESSION, owner="other"))


def test_upload_commits_a_root_node_and_moves_the_head_once() -> None:
    state = _fold(
        domain.decide_create(domain.SessionState(), CreateSession(session_id=SESSION, owner="k"))
    )
    ingested = _ingested()
    events = domain.decide_upload(state, ingested)
    assert [type(e) for e in events] == [DatasetUploaded, VersionCommitted, HeadMoved]
    committed = events[1]
    assert isinstance(committed, VersionCommitted) and committed.parent_id is None
    assert (committed.filename, committed.code) == (ingested.filename, None)
    after = _fold(
        [
            *domain.decide_create(
                domain.SessionState(), CreateSession(session_id=SESSION, owner="k")
            ),
            *events,
        ]
    )
    assert after.head == ingested.node_id
    assert domain.decide_upload(after, ingested) == []


def test_a_second_upload_records_the_previous_head() -> None:
    first, second = _ingested(), _ingested()
    state = _fold(
        domain.decide_create(domain.SessionState(), CreateSession(session_id=SESSION, owner="k"))
    )
    state = reduce(domain.evolve_session, domain.decide_upload(state, first), state)
    moved = domain.decide_upload(state, second)[-1]
    assert isinstance(moved, HeadMoved) and moved.previous_node_id == first.node_id


def test_upload_into_a_missing_session_is_rejected() -> None:
    with pytest.raises(DomainRejection) as caught:
        domain.decide_upload(domain.SessionState(), _ingested())
    assert caught.value.code == "session_not_found"


def test_a_finished_task_ignores_late_reports() -> None:
    task = uuid4()
    progressed = TaskProgressed(task_id=task, session_id=SESSION, stage="ingesting")
    done = TaskSucceeded(task_id=task, session_id=SESSION, node_id=uuid4())
    state = domain.evolve_task(domain.TaskState(), progressed)
    assert domain.decide_outcome(state, done) == [done]
    state = domain.evolve_task(state, done)
    failed = TaskFailed(task_id=task, session_id=SESSION, code="x", error="y")
    assert domain.decide_outcome(state, failed) == []
    assert domain.decide_progress(state, progressed) == []


def test_a_profile_is_recorded_once_and_only_for_a_node_of_the_session() -> None:
    created = domain.decide_create(
        domain.SessionState(), CreateSession(session_id=SESSION, owner="k")
    )
    ingested = _ingested()
    state = _fold(created + domain.decide_upload(_fold(created), ingested))

    def profiled(node: object) -> DatasetProfiled:
        return DatasetProfiled(
            session_id=SESSION,
            node_id=node,
            profile_uri="file:///p.json",
            row_count=2,
            column_count=1,
            finding_count=0,
        )

    report, task = profiled(ingested.node_id), uuid4()
    assert taskworkflow.decide_profiled(state, task, report) == [report]
    assert taskworkflow.decide_profiled(domain.evolve_session(state, report), task, report) == []
    assert taskworkflow.decide_profiled(state, task, profiled(uuid4())) == []
