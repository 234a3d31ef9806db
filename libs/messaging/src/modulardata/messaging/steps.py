"""The shape of a service's step in a task: report its stage, do the work off the event loop,
report what came of it; and the routing of a topic's messages to one handler per type.

A failure the user should hear of is raised by the work as `StepFailed` (with the reason in
plain words) and becomes the step's failure event; a transient failure propagates, so the bus
retries it; anything else is a bug: logged with its trace, and reported as an internal error,
so the task still ends.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from modulardata.contracts.base import Message
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import TaskProgressed
from modulardata.contracts.tasks import TaskStage
from modulardata.messaging.bus import Bus, Handler
from modulardata.messaging.failures import FailureClassifier

log = logging.getLogger(__name__)

C = TypeVar("C", bound=Message)

TypedHandler = Callable[[Envelope, C], Awaitable[None]]
"""Handles one message type: the envelope and its opened payload."""


class StepFailed(Exception):
    """The step's work failed for a reason the user is told (the exception's text)."""


@dataclass(frozen=True)
class Step(Generic[C]):
    """One step a service does for a task when sent command `C`."""

    stage: TaskStage | None
    """The stage reported before the work starts; None for a step done after its task ended
    (nobody would see it)."""
    events_topic: str
    """Where the service reports."""
    work: Callable[[Envelope, C], Message]
    """The work (run in a thread): the step's result event, or StepFailed."""
    failed: Callable[[C, str], Message]
    """The failure event for a reason."""
    internal_error: str
    """The reason reported for an unexpected failure."""
    classifier: FailureClassifier
    """Which failures are transient."""
    executor: Executor | None = None
    """Where the work runs: the event loop's default thread pool unless given."""


def step_handler(bus: Bus, step: Step[C]) -> TypedHandler[C]:
    """The handler doing `step`: progress, the work, then its result or its failure event."""

    async def handle(envelope: Envelope, command: C) -> None:
        if step.stage is not None:
            progress = TaskProgressed(
                task_id=envelope.correlation_id, session_id=envelope.session_id, stage=step.stage
            )
            await bus.publish(envelope.reply(progress), step.events_topic)
        outcome: Message
        try:
            work = functools.partial(contextvars.copy_context().run, step.work, envelope, command)
            outcome = await asyncio.get_running_loop().run_in_executor(step.executor, work)
        except StepFailed as failure:
            outcome = step.failed(command, str(failure))
        except Exception as exc:
            if step.classifier.is_transient(exc):
                raise
            log.exception(
                "unexpected failure in %s for task %s", envelope.type, envelope.correlation_id
            )
            outcome = step.failed(command, step.internal_error)
        await bus.publish(envelope.reply(outcome), step.events_topic)

    return handle


def by_type(handlers: Mapping[type[Message], TypedHandler[Any]], topic: str) -> Handler:
    """One handler per message type on `topic`; other types are ignored (with a warning)."""

    async def handle(envelope: Envelope) -> None:
        message = envelope.open()
        typed = handlers.get(type(message))
        if typed is None:
            log.warning("ignoring %s on %s", envelope.type, topic)
            return
        await typed(envelope, message)

    return handle
