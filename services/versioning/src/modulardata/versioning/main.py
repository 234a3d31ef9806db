"""Composition root of the versioning service: consumers, outbox relay and projector."""

from __future__ import annotations

import asyncio

from faststream import FastStream
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.contracts import topics
from modulardata.messaging.bus import Bus, make_broker
from modulardata.messaging.metrics import WorkerMetrics
from modulardata.messaging.service import service_app
from modulardata.readmodels.engine import make_engine
from modulardata.schema.upgrade import upgrade_to_head
from modulardata.storage.counting import CountingStorage
from modulardata.versioning import expiry, following, projector, relay, retention
from modulardata.versioning.config import VersioningSettings
from modulardata.versioning.exceptions import FAILURES
from modulardata.versioning.handlers import VersioningHandlers
from modulardata.versioning.postgres_log import PostgresLog

GROUP = "modulardata-versioning"


async def _answers(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def create_app(settings: VersioningSettings | None = None) -> FastStream:
    """Wire the service from its settings."""
    settings = settings or VersioningSettings()
    broker = make_broker(settings, client_id=GROUP)
    bus = Bus(broker, settings)
    engine = make_engine(settings.database_url)
    metrics = WorkerMetrics()
    storage = CountingStorage(settings.open_storage(), metrics.storage_written.inc)
    handlers = VersioningHandlers(PostgresLog(engine), storage)
    wakeup = following.AppendWakeup(settings.database_url)
    bus.subscribe(
        topics.VERSIONING_COMMANDS, f"{GROUP}.commands", handlers.handle, classifier=FAILURES
    )
    for reports in (topics.PROFILER_EVENTS, topics.AGENTS_EVENTS, topics.EXECUTOR_EVENTS):
        group = f"{GROUP}.{reports.rsplit('.', 2)[-2]}-events"
        bus.subscribe(reports, group, handlers.handle, classifier=FAILURES)
    # Every service's dead letters: stored for the operators, and their tasks failed at once.
    bus.subscribe(
        topics.DEAD_LETTERS, f"{GROUP}.dead-letters", handlers.handle, classifier=FAILURES
    )
    app = service_app(
        broker, settings, checks={"postgresql": lambda: _answers(engine)}, metrics=metrics
    )
    background: list[asyncio.Task[None]] = []

    @app.on_startup
    async def upgrade_schema() -> None:
        await upgrade_to_head(settings.database_url)

    @app.after_startup
    async def start_followers() -> None:
        size = settings.batch_size
        steps = {
            "relay": lambda: relay.relay_batch(engine, bus, size),
            "projector": lambda: projector.project_batch(engine, size),
        }
        background.append(asyncio.create_task(wakeup.run()))
        timeout_s = settings.task_timeout_s
        expiring = following.every(
            "expiring silent tasks",
            lambda: expiry.expire_silent_tasks(engine, handlers.handle, timeout_s),
            min(timeout_s / 4, 30.0),
        )
        background.append(asyncio.create_task(expiring))
        if (days := settings.retention_days) is not None:
            deleting = following.every(
                "deleting idle sessions",
                lambda: retention.delete_idle_sessions(engine, handlers.handle, days),
                settings.retention_check_s,
            )
            background.append(asyncio.create_task(deleting))
        for name, step in steps.items():
            follower = following.follow_log(
                name,
                step,
                batch_size=size,
                wakeup=wakeup.follower(),
                poll_interval_s=settings.poll_interval_s,
            )
            background.append(asyncio.create_task(follower))

    @app.on_shutdown
    async def stop_followers() -> None:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await engine.dispose()

    return app
