"""The one envelope every message travels in, on Kafka and in the event log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Self
from uuid import UUID, uuid4, uuid5

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from modulardata.contracts.base import Message, message_class

# (type, schema version it reads) -> pure function lifting a payload one version up.
UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}


class Envelope(BaseModel):
    """Metadata around a message's payload; the session id is the Kafka key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    message_id: UUID = Field(
        default_factory=uuid4, description="Unique id of this message; consumers dedupe on it."
    )
    type: str = Field(description="Stable wire name of the payload's message type.")
    schema_version: int = Field(ge=1, description="Version of the payload's schema.")
    correlation_id: UUID = Field(
        description="The task (or request) this message belongs to; shared by its whole flow."
    )
    causation_id: UUID | None = Field(
        default=None, description="message_id of the message that caused this one."
    )
    session_id: UUID = Field(description="Session the message concerns; the Kafka message key.")
    occurred_at: AwareDatetime = Field(
        default_factory=lambda: datetime.now(UTC), description="When it happened (UTC)."
    )
    payload: dict[str, Any] = Field(description="The message body, as JSON.")
    trace: dict[str, str] = Field(
        default_factory=dict,
        description="W3C trace context (`traceparent`, `tracestate`) of the flow, so one task is"
        " one trace across the services; empty when tracing is off.",
    )

    @classmethod
    def wrap(
        cls,
        message: Message,
        *,
        session_id: UUID,
        correlation_id: UUID,
        trace: dict[str, str] | None = None,
    ) -> Self:
        """Start a flow: wrap a message that nothing else caused (in the trace `trace`, if
        given)."""
        return cls(
            type=message.TYPE,
            schema_version=message.SCHEMA_VERSION,
            correlation_id=correlation_id,
            session_id=session_id,
            payload=message.model_dump(mode="json"),
            trace=trace or {},
        )

    def follow(self, message: Message, *, message_id: UUID | None = None) -> Envelope:
        """Wrap a message caused by this one: same session, task and trace, causation set.

        A fixed `message_id` makes a repeated reaction to a redelivered message recognisable.
        """
        return Envelope(
            message_id=message_id or uuid4(),
            type=message.TYPE,
            schema_version=message.SCHEMA_VERSION,
            correlation_id=self.correlation_id,
            causation_id=self.message_id,
            session_id=self.session_id,
            payload=message.model_dump(mode="json"),
            trace=self.trace,
        )

    def reply(self, message: Message) -> Envelope:
        """Follow with an id derived from this message and the reply's type: reacting again to
        a redelivery gives the same ids, so consumers' dedupe drops the repeats."""
        return self.follow(message, message_id=uuid5(self.message_id, message.TYPE))

    def open(self) -> Message:
        """The payload as its typed message, upcast to the current schema version first."""
        cls = message_class(self.type)
        payload, version = dict(self.payload), self.schema_version
        while version < cls.SCHEMA_VERSION:
            payload = UPCASTERS[(self.type, version)](payload)
            version += 1
        return cls.model_validate(payload)

    @property
    def key(self) -> bytes:
        """The Kafka key: the session id, so one session's messages stay in order."""
        return str(self.session_id).encode()
