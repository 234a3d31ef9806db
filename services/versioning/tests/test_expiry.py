"""Silent tasks are failed through the handlers, and only those that are silent and running."""

from __future__ import annotations

from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from modulardata.contracts.commands import CreateSession, SendChatMessage
from modulardata.contracts.envelope import Envelope
from modulardata.readmodels.views import TaskView
from modulardata.versioning import projector
from modulardata.versioning.expiry import expire_silent_tasks
from modulardata.versioning.handlers import VersioningHandlers
from services.versioning.tests.uploads import ingested


async def test_a_silent_chat_task_is_failed_and_a_fresh_one_is_not(
    engine: AsyncEngine, handlers: VersioningHandlers
) -> None:
    session = uuid4()

    async def send(message: object, task: object = None) -> None:
        envelope = Envelope.wrap(message, session_id=session, correlation_id=task or uuid4())  # type: ignore[arg-type]
        await handlers.handle(envelope)

    await send(CreateSession(session_id=session, owner="k"))
    await send(ingested(session))
    task = uuid4()
    await send(SendChatMessage(session_id=session, chat_message_id=uuid4(), text="hi"), task)
    await projector.project_batch(engine, 100)

    assert await expire_silent_tasks(engine, handlers.handle, timeout_s=3600) == 0
    assert await expire_silent_tasks(engine, handlers.handle, timeout_s=0) == 1
    await projector.project_batch(engine, 100)
    async with AsyncSession(engine) as db:
        view = await db.get(TaskView, task)
    assert view is not None
    assert (view.status, view.error_code) == ("failed", "timed_out")
    assert view.reply is not None and "try again" in view.reply
