"""GET /healthz."""

from __future__ import annotations

from services.gateway.tests.harness import Gateway


async def test_health_is_ok(gateway: Gateway) -> None:
    response = await gateway.client.get("/healthz", headers={})
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
