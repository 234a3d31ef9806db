"""What every Kafka service does the same way: create its topics first, log, run until stopped."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable

from faststream import FastStream
from faststream.kafka import KafkaBroker

from modulardata.messaging.settings import KafkaSettings
from modulardata.messaging.topics import ensure_topics


def service_app(broker: KafkaBroker, settings: KafkaSettings) -> FastStream:
    """A FastStream app whose topics are created, when missing, before its consumers start."""
    app = FastStream(broker)

    @app.on_startup
    async def create_topics() -> None:
        await ensure_topics(settings)

    return app


def configure_logging() -> None:
    """INFO to stderr, in the format every service uses."""
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def run_service(create_app: Callable[[], FastStream]) -> None:
    """Configure logging, build the app and run it until it is stopped."""
    configure_logging()
    asyncio.run(create_app().run())
