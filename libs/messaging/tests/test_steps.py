"""A step reports its stage, then its result or its failure event; a topic's messages reach
the handler of their type."""

from __future__ import annotations

from uuid import uuid4

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage

from modulardata.contracts import topics
from modulardata.contracts.base import Message
from modulardata.contracts.commands import ProfileVersion
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import (
    DatasetProfiled,
    HeadMoved,
    ProfilingFailed,
    TaskProgressed,
)
from modulardata.contracts.tasks import TaskStage
from modulardata.messaging.bus import Bus
from modulardata.messaging.failures import FailureClassifier
from modulardata.messaging.settings import KafkaSettings
from modulardata.messaging.steps import Step, StepFailed, by_type, step_handler


class Flaky(Exception):
    """A failure worth retrying."""


def _command() -> Envelope:
    session = uuid4()
    command = ProfileVersion(session_id=session, node_id=uuid4(), storage_uri="file:///v.parquet")
    return Envelope.wrap(command, session_id=session, correlation_id=uuid4())


def _profiled(envelope: Envelope, command: ProfileVersion) -> Message:
    return DatasetProfiled(
        session_id=command.session_id,
        node_id=command.node_id,
        profile_uri="file:///p.json",
        row_count=1,
        column_count=1,
        finding_count=0,
    )


def _failed(command: ProfileVersion, reason: str) -> ProfilingFailed:
    return ProfilingFailed(session_id=command.session_id, node_id=command.node_id, error=reason)


class Service:
    """A bus with one step subscribed, and what it reports."""

    def __init__(self, work: object, stage: TaskStage | None = "profiling") -> None:
        self.bus = Bus(KafkaBroker(), KafkaSettings(topic_prefix=f"t{uuid4().hex[:6]}."))
        step = Step(
            stage=stage,
            events_topic=topics.PROFILER_EVENTS,
            work=work,  # type: ignore[arg-type]
            failed=_failed,
            internal_error="an internal error",
            classifier=FailureClassifier(transient=(Flaky,)),
        )
        handler = by_type({ProfileVersion: step_handler(self.bus, step)}, topics.PROFILER_COMMANDS)
        self.handler = handler
        self.reported: list[Message] = []

        @self.bus.broker.subscriber(self.bus.topic(topics.PROFILER_EVENTS))
        async def collect(message: KafkaMessage) -> None:
            self.reported.append(Envelope.model_validate_json(message.body).open())

    async def send(self, envelope: Envelope) -> list[Message]:
        async with TestKafkaBroker(self.bus.broker):
            await self.handler(envelope)
        return self.reported


async def test_a_step_reports_its_stage_then_its_result() -> None:
    command = _command()
    progress, result = await Service(_profiled).send(command)
    assert progress == TaskProgressed(
        task_id=command.correlation_id, session_id=command.session_id, stage="profiling"
    )
    assert isinstance(result, DatasetProfiled)


async def test_a_step_without_a_stage_reports_only_its_result() -> None:
    [result] = await Service(_profiled, stage=None).send(_command())
    assert isinstance(result, DatasetProfiled)


async def test_a_failure_the_user_is_told_becomes_the_failure_event() -> None:
    def missing(envelope: Envelope, command: ProfileVersion) -> Message:
        raise StepFailed("the data is gone")

    _, failed = await Service(missing).send(_command())
    assert isinstance(failed, ProfilingFailed) and failed.error == "the data is gone"


async def test_a_bug_is_reported_as_an_internal_error_without_its_trace() -> None:
    def bug(envelope: Envelope, command: ProfileVersion) -> Message:
        raise ZeroDivisionError("secret detail")

    _, failed = await Service(bug).send(_command())
    assert isinstance(failed, ProfilingFailed) and failed.error == "an internal error"


async def test_a_transient_failure_propagates_for_the_bus_to_retry() -> None:
    def flaky(envelope: Envelope, command: ProfileVersion) -> Message:
        raise Flaky

    service = Service(flaky)
    with pytest.raises(Flaky):
        await service.send(_command())
    assert [type(m) for m in service.reported] == [TaskProgressed]


async def test_a_message_of_another_type_is_ignored() -> None:
    session = uuid4()
    other = Envelope.wrap(
        HeadMoved(session_id=session, node_id=uuid4(), previous_node_id=None),
        session_id=session,
        correlation_id=uuid4(),
    )
    assert await Service(_profiled).send(other) == []
