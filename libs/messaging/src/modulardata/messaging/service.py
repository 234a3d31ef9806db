"""What every Kafka service does the same way: create its topics first, answer its probes, log,
run until stopped."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Mapping

from faststream import FastStream
from faststream.kafka import KafkaBroker

from modulardata.messaging.health import Check, ConsumerProgress, Details, Probes, serve_probes
from modulardata.messaging.metrics import WorkerMetrics
from modulardata.messaging.settings import WorkerSettings
from modulardata.messaging.topics import ensure_topics
from modulardata.messaging.tracing import configure_tracing


def service_app(
    broker: KafkaBroker,
    settings: WorkerSettings,
    *,
    checks: Mapping[str, Check] | None = None,
    details: Details | None = None,
    metrics: WorkerMetrics | None = None,
) -> FastStream:
    """A FastStream app whose topics are created, when missing, before its consumers start, and
    whose probes and metrics answer from the start (see `health`) when `settings.health_port`
    is set.

    `checks` are the service's dependencies besides Kafka that readiness waits for; `details`
    what it adds to the readiness answer; `metrics` the service's, when it adds its own."""
    app = FastStream(broker)
    progress = ConsumerProgress()
    metrics = metrics or WorkerMetrics()
    broker.add_middleware(progress.middleware())
    broker.add_middleware(metrics.middleware())
    probes = Probes(broker, progress, settings.health_stall_s, metrics, checks or {}, details)
    servers: list[asyncio.Server] = []

    @app.on_startup
    async def start() -> None:
        if settings.health_port is not None:
            servers.append(await serve_probes(probes, settings.health_host, settings.health_port))
        await ensure_topics(settings)

    @app.after_startup
    async def started() -> None:
        probes.started = True

    @app.on_shutdown
    async def stopping() -> None:
        probes.stopping = True

    @app.after_shutdown
    async def close_probes() -> None:
        for server in servers:
            server.close()
            await server.wait_closed()

    return app


def configure_logging() -> None:
    """INFO to stderr, in the format every service uses."""
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def run_service(name: str, create_app: Callable[[], FastStream]) -> None:
    """Configure logging, build the app and run it until it is stopped."""
    configure_logging()
    configure_tracing(name)
    asyncio.run(create_app().run())
