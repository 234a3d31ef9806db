"""Composition root: settings to storage, Kafka bus and handlers, as one FastStream app."""

from __future__ import annotations

import asyncio
import logging
import sys

from faststream import FastStream
from faststream.kafka import KafkaBroker

from modulardata.contracts import topics
from modulardata.messaging.bus import Bus, make_broker
from modulardata.messaging.topics import ensure_topics
from modulardata.profiler.config import ProfilerSettings
from modulardata.profiler.handlers import TRANSIENT_ERRORS, ingest_handler, version_handler

GROUP_ID = "modulardata-profiler"
VERSIONS_GROUP_ID = f"{GROUP_ID}.versions"


def create_broker(settings: ProfilerSettings) -> KafkaBroker:
    """A broker with the profiler's handlers subscribed."""
    broker = make_broker(settings, client_id=GROUP_ID)
    bus = Bus(broker, settings)
    storage = settings.open_storage()
    uploads = ingest_handler(bus, storage, limits=settings.limits)
    bus.subscribe(topics.PROFILER_COMMANDS, GROUP_ID, uploads, transient=TRANSIENT_ERRORS)
    versions = version_handler(bus, storage)
    bus.subscribe(topics.EVENTS, VERSIONS_GROUP_ID, versions, transient=TRANSIENT_ERRORS)
    return broker


def create_app(settings: ProfilerSettings | None = None) -> FastStream:
    """The profiler service; its topics are created on startup if missing."""
    resolved = settings or ProfilerSettings()
    app = FastStream(create_broker(resolved))

    @app.on_startup
    async def create_topics() -> None:
        await ensure_topics(resolved)

    return app


def main() -> None:
    """Run the profiler until it is stopped."""
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    asyncio.run(create_app().run())
