"""Every HTTP request counted and timed by the route that served it, in the gateway's metrics."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modulardata.gateway.adapters.metrics import GatewayMetrics

UNMATCHED_ROUTE = "unmatched"
"""The route label of paths no route serves, so scanners cannot grow the label set."""


def route_of(scope: Scope) -> str:
    """The template of the route that served a request (e.g. /v1/tasks/{task_id})."""
    return str(getattr(scope.get("route"), "path", UNMATCHED_ROUTE))


class MetricsMiddleware:
    """Counts and times every HTTP request, by the route that served it."""

    def __init__(self, app: ASGIApp, metrics: GatewayMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            method, route = scope["method"], route_of(scope)
            self.metrics.requests.labels(method=method, route=route, status=str(status)).inc()
            self.metrics.latency.labels(method=method, route=route).observe(
                time.perf_counter() - started
            )
