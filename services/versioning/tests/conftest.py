"""The event log in memory, or a migrated database and an engine on it, and the handlers on
either."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.readmodels.engine import make_engine
from modulardata.schema.upgrade import upgrade_to_head
from modulardata.storage import LocalStorage
from modulardata.versioning.handlers import VersioningHandlers
from modulardata.versioning.memory_log import MemoryLog
from modulardata.versioning.postgres_log import PostgresLog


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database with the log and read models created and emptied."""
    await upgrade_to_head(database_url)
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "TRUNCATE events, processed_messages, relay_checkpoints, sessions, nodes,"
                " chat_logs, tasks, skipped_events, session_keys, dead_letters RESTART IDENTITY"
            )
        )
        await conn.execute(text("UPDATE projection_checkpoints SET position = 0"))
    yield engine
    await engine.dispose()


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    """The sessions' stored objects: a local directory."""
    return LocalStorage(tmp_path / "storage")


@pytest.fixture
def handlers(engine: AsyncEngine, storage: LocalStorage) -> VersioningHandlers:
    """The service's message handlers on the test database and storage."""
    return VersioningHandlers(PostgresLog(engine), storage)


@pytest.fixture
def memory_log() -> MemoryLog:
    """An empty event log in memory."""
    return MemoryLog()


@pytest.fixture
def memory_handlers(memory_log: MemoryLog, storage: LocalStorage) -> VersioningHandlers:
    """The service's message handlers on the log in memory and the test storage."""
    return VersioningHandlers(memory_log, storage)
