"""Handlers on the log in memory: each message applied once, however often it comes."""

from __future__ import annotations

from uuid import uuid4

from modulardata.contracts.commands import CreateSession
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import DatasetIngested
from modulardata.versioning.handlers import VersioningHandlers
from modulardata.versioning.memory_log import MemoryLog


async def test_redelivered_messages_add_no_events(
    memory_log: MemoryLog, memory_handlers: VersioningHandlers
) -> None:
    session = uuid4()
    created = Envelope.wrap(
        CreateSession(session_id=session, owner="key-1", name="demo"),
        session_id=session,
        correlation_id=uuid4(),
    )
    await memory_handlers.handle(created)
    await memory_handlers.handle(created)
    # The same report with a new message id (a producer retry) is still recognised by its node.
    task, node = uuid4(), uuid4()
    report = DatasetIngested(
        session_id=session,
        node_id=node,
        filename="c.csv",
        upload_uri="u",
        storage_uri="s",
        content_hash="h",
        row_count=1,
        column_count=1,
        columns=(),
    )
    for _ in range(2):
        envelope = Envelope.wrap(report, session_id=session, correlation_id=task)
        await memory_handlers.handle(envelope)
        await memory_handlers.handle(envelope)
    async with memory_log.transaction() as store:
        types = [r.envelope.type for r in await store.read_after(0, 100)]
    assert types == [
        "SessionCreated",
        "DatasetUploaded",
        "VersionCommitted",
        "HeadMoved",
        "TaskSucceeded",
    ]
