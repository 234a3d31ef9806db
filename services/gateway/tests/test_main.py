"""The gateway's database connections outlive a burst: on a loaded host opening one took over
2 s (bench/load_users.py), so a pool that closed its overflow after each burst and reopened it
for the next turned load into 503s."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from modulardata.gateway.config import GatewaySettings
from modulardata.gateway.main import create_app


async def test_a_second_burst_reuses_every_connection_of_the_first(
    database_url: str, tmp_path: Path
) -> None:
    settings = GatewaySettings(
        database_url=database_url, storage_url=tmp_path.as_uri(), create_topics=False
    )
    engine = create_app(settings).state.resources.engine

    async def request() -> int:
        async with engine.connect() as conn:
            backend = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await asyncio.sleep(0.2)  # held, as a request holds it
            return int(backend)

    try:
        first = set(await asyncio.gather(*(request() for _ in range(settings.database_pool_size))))
        second = set(await asyncio.gather(*(request() for _ in range(settings.database_pool_size))))
    finally:
        await engine.dispose()
    assert len(first) == settings.database_pool_size
    assert second == first
