"""The record of a message a consumer gave up on, sent to the dead-letter topic."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from modulardata.contracts.base import Message, register

DeadLetterCode = Literal["undecodable", "handler_failed", "retry_budget_exhausted"]
"""Why a message was given up: it could not be read at all, its handler failed the same way
on every attempt, or a transient failure outlasted the retry budget."""

MAX_REASON_CHARS = 2000
"""Longest reason kept; longer ones are cut."""

MAX_BODY_BYTES = 256 * 1024
"""Most of the original body kept (it must fit in a Kafka message, base64 and all)."""


@register
class MessageDeadLettered(Message):
    """A consumer gave up on a message; its partition moved on without it."""

    TYPE = "MessageDeadLettered"

    topic: str = Field(max_length=500, description="Topic the message was read from.")
    partition: int = Field(ge=0, le=2**31 - 1, description="Its partition.")
    offset: int = Field(ge=0, le=2**63 - 1, description="Its offset in the partition.")
    group_id: str = Field(max_length=500, description="Consumer group that gave up on it.")
    original_type: str | None = Field(
        default=None, max_length=500, description="The message's type, when it could be read."
    )
    original_message_id: UUID | None = Field(
        default=None, description="The message's id, when it could be read."
    )
    session_id: UUID | None = Field(default=None, description="Its session, when known.")
    task_id: UUID | None = Field(
        default=None, description="The task it belongs to (its correlation id), when known."
    )
    code: DeadLetterCode = Field(description="Why it was given up.")
    reason: str = Field(max_length=MAX_REASON_CHARS, description="The failure, in words.")
    attempts: int = Field(ge=0, le=1_000_000, description="How many times it was handled.")
    body_base64: str = Field(
        max_length=(MAX_BODY_BYTES * 4) // 3 + 4,
        description="The original message body (base64), cut to its first 256 KiB.",
    )
    body_truncated: bool = Field(description="True when the body was cut (it cannot be replayed).")
