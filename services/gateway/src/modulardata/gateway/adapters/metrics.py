"""The gateway's Prometheus metrics: requests by route and status, their latency, throttled
requests, whether its backends answer, and the dead letters waiting for an operator."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


class GatewayMetrics:
    """One registry per app, so several apps in one process (tests) never clash."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "modulardata_gateway_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "modulardata_gateway_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by method and route.",
            ["method", "route"],
            registry=self.registry,
        )
        self.throttled = Counter(
            "modulardata_gateway_throttled",
            "Requests answered 429, by reason (rate_limited, session_busy).",
            ["reason"],
            registry=self.registry,
        )
        self.backend_up = Gauge(
            "modulardata_gateway_backend_up",
            "1 while the gateway's last probe of a backend (kafka, database) succeeded.",
            ["backend"],
            registry=self.registry,
        )
        self.dead_letters = Gauge(
            "modulardata_dead_letters",
            "Dead letters waiting for an operator: stored and not replayed yet.",
            registry=self.registry,
        )

    async def render(self, engine: AsyncEngine) -> bytes:
        """The exposition text, with the dead-letter count read now."""
        self.dead_letters.set(await dead_letter_count(engine))
        return generate_latest(self.registry)


async def dead_letter_count(engine: AsyncEngine) -> int:
    """Dead letters not replayed yet."""
    async with engine.connect() as conn:
        count = await conn.scalar(
            text("SELECT count(*) FROM dead_letters WHERE replayed_at IS NULL")
        )
        return int(count or 0)
