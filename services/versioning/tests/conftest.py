"""A migrated event-log database and an engine on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.readmodels.engine import make_engine
from modulardata.storage import LocalStorage
from modulardata.versioning.handlers import VersioningHandlers
from modulardata.versioning.main import migrate


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database with the log and read models created and emptied."""
    engine = make_engine(database_url)
    await migrate(engine)
    async with engine.begin() as conn:
        await conn.execute(text("DROP TRIGGER IF EXISTS events_append_only ON events"))
        await conn.execute(
            text(
                "TRUNCATE events, processed_messages, relay_checkpoints, sessions, nodes,"
                " chat_logs, tasks, skipped_events, session_keys, dead_letters RESTART IDENTITY"
            )
        )
        await conn.execute(text("UPDATE projection_checkpoints SET position = 0"))
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    """The sessions' stored objects: a local directory."""
    return LocalStorage(tmp_path / "storage")


@pytest.fixture
def handlers(engine: AsyncEngine, storage: LocalStorage) -> VersioningHandlers:
    """The service's message handlers on the test database and storage."""
    return VersioningHandlers(engine, storage)
