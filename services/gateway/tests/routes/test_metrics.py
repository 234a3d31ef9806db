"""GET /metrics: requests by route and status, 429s, and the dead letters in the database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from modulardata.contracts.deadletters import MessageDeadLettered
from modulardata.gateway.config import GatewaySettings
from modulardata.gateway.main import create_app
from modulardata.readmodels.engine import make_engine
from modulardata.schema.upgrade import upgrade_to_head
from modulardata.versioning import deadletters
from tests.support.postgres import fresh_database, server_url


@pytest.fixture(scope="module")
def metrics_database() -> Iterator[str]:
    """A database of its own, so the dead letters counted are only the test's."""
    try:
        psycopg.connect(server_url(), connect_timeout=2).close()
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL reachable")
    with fresh_database("metrics") as url:
        yield url


@pytest.fixture
async def client(metrics_database: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = GatewaySettings(
        database_url=metrics_database,
        storage_url=tmp_path.as_uri(),
        create_topics=False,
        rate_limit="1/minute",
    )
    app = create_app(settings)
    await upgrade_to_head(metrics_database)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http


async def samples(client: httpx.AsyncClient) -> dict[tuple[str, tuple[str, ...]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    return {
        (sample.name, tuple(sorted(sample.labels.values()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


async def test_requests_are_counted_by_route_template_and_status(
    client: httpx.AsyncClient,
) -> None:
    headers = {"Authorization": "Bearer nobody"}
    await client.get("/v1/tasks/1", headers=headers)  # unknown key: 401
    await client.get("/v1/tasks/2", headers=headers)  # over the limit: 429
    await client.get("/no/such/route")
    seen = await samples(client)
    route = "/v1/tasks/{task_id}"
    assert seen["modulardata_gateway_requests_total", tuple(sorted(("GET", route, "401")))] == 1
    assert seen["modulardata_gateway_requests_total", tuple(sorted(("GET", route, "429")))] == 1
    assert seen["modulardata_gateway_requests_total", ("404", "GET", "unmatched")] == 1
    assert seen["modulardata_gateway_throttled_total", ("rate_limited",)] == 1
    assert seen["modulardata_gateway_request_duration_seconds_count", (route, "GET")] == 2


async def test_the_dead_letters_waiting_are_counted(
    client: httpx.AsyncClient, metrics_database: str
) -> None:
    assert (await samples(client))["modulardata_dead_letters", ()] == 0
    engine = make_engine(metrics_database)
    try:
        async with engine.begin() as conn:
            ids = [uuid4() for _ in range(3)]
            for letter_id in ids:
                await deadletters.record(conn, letter_id, datetime.now(UTC), _DEAD)
            await deadletters.mark_replayed(conn, ids[0])
    finally:
        await engine.dispose()
    assert (await samples(client))["modulardata_dead_letters", ()] == 2


_DEAD = MessageDeadLettered(
    topic="modulardata.profiler.commands",
    partition=0,
    offset=1,
    group_id="modulardata-profiler",
    code="undecodable",
    reason="undecodable: not JSON",
    attempts=0,
    body_base64="",
    body_truncated=False,
)
