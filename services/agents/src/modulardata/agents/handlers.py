"""Kafka handler: open the chat message to plan, plan it, publish progress and what came of
it (a plan, a head move or a question); the task's workflow decides what follows."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from uuid import uuid5

from modulardata.agents.adapters.versions import read_head_rows
from modulardata.agents.domain import ChatPlanner
from modulardata.agents.outcomes import Clarification, HeadMove, Outcome, Planned
from modulardata.contracts import topics
from modulardata.contracts.base import Message
from modulardata.contracts.commands import PlanChatMessage
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import (
    ClarificationRequested,
    HeadMoveRequested,
    TaskProgressed,
    TransformationPlanned,
)
from modulardata.contracts.tasks import TaskStage
from modulardata.messaging.bus import Bus
from modulardata.messaging.failures import FailureClassifier
from modulardata.messaging.steps import TypedHandler
from modulardata.storage import InvalidStorageUri, ObjectNotFound, ObjectStorage, StorageError

log = logging.getLogger(__name__)

_Planning = Callable[[Callable[[TaskStage], None]], Outcome]
"""Planning work that reports its stages through the callback it is given."""

FAILURES = FailureClassifier(
    transient=(StorageError,), deterministic=(ObjectNotFound, InvalidStorageUri)
)
"""Failures of storage, local disk or Kafka are retried; a missing or invalid version is not."""


def chat_handler(
    bus: Bus, storage: ObjectStorage, planner: ChatPlanner, *, sample_rows: int, recent: int
) -> TypedHandler[PlanChatMessage]:
    """Handle `PlanChatMessage`: progress stages, then a plan, a head move or a question."""

    async def handle(envelope: Envelope, command: PlanChatMessage) -> None:
        progress = _Progress(bus, envelope, command)
        await progress.publish("thinking")
        sample = await asyncio.to_thread(
            read_head_rows, storage, command.head_storage_uri, sample_rows
        )
        history = command.recent_messages[-recent:] if recent else ()
        try:
            outcome = await progress.while_running(
                lambda report: planner.answer(command.text, sample, history, report)
            )
        except Exception as exc:
            if FAILURES.is_transient(exc):
                raise
            # A bug must not leave the user waiting forever: answer, keep the trace in the logs.
            log.exception("unexpected failure planning %r", command.text)
            outcome = Clarification("Something went wrong while planning that.", "failed")
        await bus.publish(envelope.reply(_report(command, outcome)), topics.AGENTS_EVENTS)

    return handle


class _Progress:
    """Publishes each new stage once, in order, also when reported from the planner's thread."""

    def __init__(self, bus: Bus, envelope: Envelope, command: PlanChatMessage) -> None:
        self.bus, self.envelope, self.command = bus, envelope, command
        self.last: TaskStage | None = None

    async def publish(self, stage: TaskStage) -> None:
        if stage == self.last:
            return
        self.last = stage
        event = TaskProgressed(
            task_id=self.envelope.correlation_id, session_id=self.command.session_id, stage=stage
        )
        envelope = self.envelope.follow(
            event, message_id=uuid5(self.envelope.message_id, f"{event.TYPE}:{stage}")
        )
        await self.bus.publish(envelope, topics.AGENTS_EVENTS)

    async def while_running(self, plan: _Planning) -> Outcome:
        """Run the planning in a thread; stages it reports are published as they come."""
        loop = asyncio.get_running_loop()
        stages: asyncio.Queue[TaskStage | None] = asyncio.Queue()

        async def drain() -> None:
            while (stage := await stages.get()) is not None:
                await self.publish(stage)

        def report(stage: TaskStage) -> None:
            loop.call_soon_threadsafe(stages.put_nowait, stage)

        publisher = asyncio.create_task(drain())
        try:
            return await asyncio.to_thread(plan, report)
        finally:
            stages.put_nowait(None)
            await publisher


def _report(command: PlanChatMessage, outcome: Outcome) -> Message:
    """What came of the planning, as the agents' event."""
    ids = {"session_id": command.session_id, "chat_message_id": command.chat_message_id}
    if isinstance(outcome, Planned):
        return TransformationPlanned(
            **ids,
            head_node_id=command.head_node_id,
            undo_first=outcome.undo_first,
            plan=outcome.plan,
            code=outcome.plan.compile(),
            explanation=outcome.explanation,
            planner=outcome.planner,
        )
    if isinstance(outcome, HeadMove):
        return HeadMoveRequested(**ids, direction=outcome.direction, steps=outcome.steps)
    assert isinstance(outcome, Clarification)
    return ClarificationRequested(**ids, question=outcome.question, reason=outcome.reason)
