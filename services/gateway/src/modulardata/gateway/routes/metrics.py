"""Prometheus metrics of the gateway, for scrapers (no API key unless the settings ask one)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from modulardata.gateway.api.deps import ResourcesDep, authenticate
from modulardata.gateway.schemas import examples

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {CONTENT_TYPE_LATEST: {"example": examples.PROMETHEUS_TEXT}},
            "description": "Prometheus text.",
        }
    },
)
async def metrics(request: Request, resources: ResourcesDep) -> Response:
    """Requests by route and status, their latency, 429s, and the dead-letter count."""
    if resources.settings.metrics_require_key:
        await authenticate(request, resources)
    body = await resources.metrics.render(resources.engine)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
