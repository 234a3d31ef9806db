"""GET /livez and /healthz."""

from __future__ import annotations

from pathlib import Path

import httpx

from modulardata.gateway.config import GatewaySettings
from modulardata.gateway.main import create_app
from services.gateway.tests.harness import Gateway
from tests.support.infrastructure import Source
from tests.support.postgres import fresh_database


async def test_health_is_ok(gateway: Gateway) -> None:
    response = await gateway.client.get("/healthz", headers={})
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_a_database_without_the_read_models_is_not_ready(
    infrastructure: Source, tmp_path: Path
) -> None:
    with fresh_database("unmigrated") as url:  # as if replaced under a running gateway
        app = create_app(GatewaySettings(database_url=url, storage_url=tmp_path.as_uri()))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            response = await client.get("/healthz")
        await app.state.resources.engine.dispose()
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "read_models_missing"
    assert "run modulardata-migrate" in error["message"]


async def test_a_gateway_whose_database_is_gone_is_still_live(tmp_path: Path) -> None:
    unreachable = "postgresql://postgres@127.0.0.1:1/nothing"
    app = create_app(GatewaySettings(database_url=unreachable, storage_url=tmp_path.as_uri()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        live = await client.get("/livez")
        ready = await client.get("/healthz")
    await app.state.resources.engine.dispose()
    assert (live.status_code, live.json()) == (200, {"status": "live"})
    assert ready.status_code == 503
    assert "/livez" not in app.openapi()["paths"]
