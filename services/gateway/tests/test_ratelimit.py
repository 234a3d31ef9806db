"""Per-key rate limits: over its limit a key gets 429 with Retry-After, other keys do not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from modulardata.gateway.adapters.rate_limits import RateLimits
from modulardata.gateway.config import GatewaySettings
from modulardata.gateway.main import create_app

# Nothing listens on port 1: the requests the limit lets through fail fast at the database.
DOWN_DATABASE = "postgresql://postgres@127.0.0.1:1/none"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = GatewaySettings(
        database_url=DOWN_DATABASE,
        storage_url=tmp_path.as_uri(),
        create_topics=False,
        rate_limit="3/minute",
    )
    transport = httpx.ASGITransport(app=create_app(settings), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http


def key(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {name}"}


async def test_a_key_over_its_limit_gets_429_with_retry_after(
    client: httpx.AsyncClient,
) -> None:
    statuses = [(await client.get("/v1/sessions", headers=key("a"))).status_code for _ in range(3)]
    assert 429 not in statuses
    refused = await client.get("/v1/sessions", headers=key("a"))
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


async def test_each_key_has_its_own_limit(client: httpx.AsyncClient) -> None:
    for _ in range(4):
        await client.get("/v1/sessions", headers=key("a"))
    assert (await client.get("/v1/sessions", headers=key("b"))).status_code != 429


async def test_health_is_never_limited(client: httpx.AsyncClient) -> None:
    for _ in range(4):
        await client.get("/v1/sessions", headers=key("a"))
    statuses = {(await client.get("/healthz", headers=key("a"))).status_code for _ in range(5)}
    assert 429 not in statuses


async def test_bursts_are_limited_per_second_and_per_caller() -> None:
    limits = RateLimits("2/second;3/minute")
    waits = [await limits.retry_after("k") for _ in range(3)]
    assert waits[:2] == [None, None]
    assert waits[2] == 1  # the burst: the second's window resets in a second
    await limits.retry_after("other")  # other callers are counted apart
    assert [await limits.retry_after("other") for _ in range(2)][-1] == 1


def test_a_malformed_rate_limit_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="rate_limit"):
        GatewaySettings(rate_limit="fast please")
