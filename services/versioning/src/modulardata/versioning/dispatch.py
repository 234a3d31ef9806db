"""The commands a started task sends: the event log doubles as the outbox for them.

The relay publishes them right after the `TaskStarted` they come from, with ids derived from
it, so a batch published again after a crash sends the same ids and consumers' dedupe holds.
"""

from __future__ import annotations

from uuid import uuid5

from modulardata.contracts import topics
from modulardata.contracts.base import Message
from modulardata.contracts.commands import ChatRequested, ExecuteTransformation
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import TaskStarted


def commands_for(envelope: Envelope) -> list[tuple[Envelope, str]]:
    """The commands (and their base topics) an event of the log sends; most send none."""
    if envelope.type != TaskStarted.TYPE:
        return []
    started = envelope.open()
    assert isinstance(started, TaskStarted)
    command, topic = _command(started)
    sent = Envelope.wrap(command, session_id=started.session_id, correlation_id=started.task_id)
    sent = sent.model_copy(
        update={
            "message_id": uuid5(envelope.message_id, command.TYPE),
            "causation_id": envelope.message_id,
        }
    )
    return [(sent, topic)]


def _command(started: TaskStarted) -> tuple[Message, str]:
    if started.kind == "replay":
        assert started.plan is not None
        replay = ExecuteTransformation(
            session_id=started.session_id,
            parent_node_id=started.head_node_id,
            parent_storage_uri=started.head_storage_uri,
            code=started.plan.compile(),
        )
        return replay, topics.EXECUTOR_COMMANDS
    assert started.chat_message_id is not None and started.text is not None
    chat = ChatRequested(
        session_id=started.session_id,
        chat_message_id=started.chat_message_id,
        text=started.text,
        head_node_id=started.head_node_id,
        head_storage_uri=started.head_storage_uri,
        head_parent_node_id=started.head_parent_node_id,
        head_parent_storage_uri=started.head_parent_storage_uri,
        recent_messages=started.recent_messages,
    )
    return chat, topics.AGENTS_COMMANDS
