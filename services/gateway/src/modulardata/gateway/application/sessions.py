"""Creating and deleting a session, and what a task on a session needs first: a dataset."""

from __future__ import annotations

from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.contracts import topics
from modulardata.contracts.commands import CreateSession, DeleteSession
from modulardata.contracts.envelope import Envelope
from modulardata.gateway.adapters.command_publisher import publish, record_then_publish
from modulardata.gateway.adapters.gateway_tables import AcceptedSession
from modulardata.gateway.application import read_models
from modulardata.gateway.application.read_models import ReadModels
from modulardata.gateway.exceptions import Conflict
from modulardata.messaging.bus import Bus
from modulardata.readmodels.views import SessionView


async def create_session(
    engine: AsyncEngine, bus: Bus, owner: str, name: str | None
) -> AcceptedSession:
    """Record a new session and ask versioning for it: from then on the API serves it, and the
    commands sent to it queue behind its creation (same key, same partition)."""
    session_id = uuid4()
    accepted = AcceptedSession(session_id=session_id, owner=owner, name=name)
    command = CreateSession(session_id=session_id, owner=owner, name=name)
    envelope = Envelope.wrap(command, session_id=session_id, correlation_id=uuid4())
    see = f"GET /v1/sessions/{session_id}"
    await record_then_publish(engine, bus, accepted, envelope, topics.VERSIONING_COMMANDS, see=see)
    return accepted


async def delete_session(
    rows: ReadModels, bus: Bus, owner: str, session_id: UUID, wait_s: float
) -> bool:
    """Ask for the session's deletion; returns whether it is gone within `wait_s`."""
    command = DeleteSession(session_id=session_id, owner=owner)
    await publish(
        bus,
        Envelope.wrap(command, session_id=session_id, correlation_id=uuid4()),
        topics.VERSIONING_COMMANDS,
        see=f"GET /v1/sessions/{session_id}",
    )
    return await read_models.wait_until_gone(rows, session_id, wait_s)


async def require_dataset(session: SessionView, rows: ReadModels, wait_s: float) -> None:
    """Conflict unless the session has a version to work on; an upload still being read is
    waited for, up to `wait_s`, so a message sent right after an upload applies to it."""
    if session.head_node_id is not None:
        return
    state = await read_models.wait_for_dataset(rows, session.session_id, wait_s)
    if state == "being_read":
        raise Conflict(
            "the session's upload is still being read; send this once its task has ended",
            code="dataset_not_ready",
        )
    if state == "missing":
        raise Conflict("upload a dataset to the session first", code="no_dataset")
