"""The whole gateway app on a real PostgreSQL, with Kafka faked in memory: what its tests share.

A fake versioning service subscribed to the commands projects sessions the way the real one
would; task, node and chat rows are written straight into the read models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from modulardata.contracts.envelope import Envelope
from modulardata.gateway.adapters.api_keys import hash_key, key_id_for
from modulardata.gateway.adapters.gateway_tables import AcceptedTask
from modulardata.gateway.adapters.link_probes import BackendLinks
from modulardata.messaging.bus import Bus
from modulardata.storage import ObjectStorage

LOCAL_KEY = "local-test-key"
LOCAL_OWNER = key_id_for(hash_key(LOCAL_KEY))
UNPROJECTED = "never projected"
UNDELETED = "never deleted"
MAX_UPLOAD = 100_000
PUBLISH_TIMEOUT_S = 10.0
"""Generous: the fake consumers write to PostgreSQL inside the publish, slow on a loaded host."""
CONFIRM_TIMEOUT_S = 0.5
"""The deadline of a test that holds the broker's confirmation back on purpose."""
NOW = datetime.now(UTC)
PROFILER_ANSWERS: dict[bytes, tuple[str, str | None]] = {
    b"ok,read\n1,2\n": ("succeeded", None),
    b"a,b,c\n": ("failed", "header_only"),
    b"\x89PNG\r\n\x1a\n\x00\x00": ("failed", "not_text"),
    b'a,"b\n': ("failed", "unterminated_quote"),
}
"""What the fake profiler makes of an upload: the task's status and error code."""


@dataclass
class Gateway:
    """The running app and what the test needs to look behind it."""

    client: httpx.AsyncClient
    engine: AsyncEngine
    storage: ObjectStorage
    bus: Bus
    root: Path
    published: list[Envelope]
    links: BackendLinks

    def commands(self, type_: str) -> list[Envelope]:
        return [envelope for envelope in self.published if envelope.type == type_]

    async def add(self, *rows: SQLModel) -> None:
        async with AsyncSession(self.engine) as session:
            session.add_all(rows)
            await session.commit()

    async def new_session(self) -> UUID:
        response = await self.client.post("/v1/sessions", json={"name": "t"})
        assert response.status_code == 201, response.text
        return UUID(response.json()["session_id"])

    async def accepted_tasks(self, session_id: UUID) -> list[AcceptedTask]:
        async with AsyncSession(self.engine) as session:
            statement = select(AcceptedTask).where(AcceptedTask.session_id == session_id)
            return list(await session.exec(statement))

    def uploads(self, session_id: UUID) -> list[Path]:
        folder = self.root / "uploads" / str(session_id)
        return [path for path in folder.rglob("*") if path.is_file()]


def csv_upload(content: bytes, name: str = "data.csv") -> dict[str, Any]:
    return {"files": {"file": (name, content, "text/csv")}}
