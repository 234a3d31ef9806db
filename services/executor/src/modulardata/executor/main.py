"""Composition root: settings to storage, sandbox, Kafka bus and handlers, as one FastStream app."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

from faststream import FastStream
from faststream.kafka import KafkaBroker

from modulardata.contracts import topics
from modulardata.contracts.commands import ExecuteTransformation
from modulardata.executor.config import ExecutorSettings
from modulardata.executor.handlers import FAILURES, execute_step
from modulardata.messaging.bus import Bus, make_broker
from modulardata.messaging.metrics import WorkerMetrics
from modulardata.messaging.service import run_service, service_app
from modulardata.messaging.steps import by_type, step_handler
from modulardata.sandbox.sandbox import Sandbox
from modulardata.storage.counting import CountingStorage

GROUP_ID = "modulardata-executor"

log = logging.getLogger(__name__)


def create_sandbox(settings: ExecutorSettings) -> Sandbox:
    """The sandbox the settings describe (its workers start on first use or `start()`)."""
    return Sandbox(
        pool_size=settings.workers, limits=settings.result_limits(), seccomp=settings.seccomp
    )


def sandbox_report(sandbox: Sandbox) -> dict[str, Any]:
    """What the sandbox's operating-system layer enforces here, and what it cannot."""
    confinement = sandbox.pool.confinement
    if confinement is None:
        return {"sandbox": {"started": False, "unenforced": []}}
    layers = {
        "network isolation": confinement.network_isolated,
        "read-only filesystem": confinement.filesystem_read_only,
        "unprivileged user": confinement.unprivileged_user,
        "system call filter": confinement.syscalls_filtered,
    }
    unenforced = [layer for layer, enforced in layers.items() if not enforced]
    return {
        "sandbox": {"started": True, **dataclasses.asdict(confinement), "unenforced": unenforced}
    }


def create_broker(
    settings: ExecutorSettings, sandbox: Sandbox, metrics: WorkerMetrics
) -> KafkaBroker:
    """A broker with the executor's handler subscribed (what it stores counted in `metrics`)."""
    broker = make_broker(settings, client_id=GROUP_ID)
    bus = Bus(broker, settings)
    storage = CountingStorage(settings.open_storage(), metrics.storage_written.inc)
    execute = step_handler(bus, execute_step(storage, sandbox, settings))
    handler = by_type({ExecuteTransformation: execute}, topics.EXECUTOR_COMMANDS)
    bus.subscribe(topics.EXECUTOR_COMMANDS, GROUP_ID, handler, classifier=FAILURES)
    return broker


def create_app(settings: ExecutorSettings | None = None) -> FastStream:
    """The executor service; its topics are created and its sandbox warmed on startup."""
    resolved = settings or ExecutorSettings()
    sandbox = create_sandbox(resolved)
    metrics = WorkerMetrics()
    app = service_app(
        create_broker(resolved, sandbox, metrics),
        resolved,
        details=lambda: sandbox_report(sandbox),
        metrics=metrics,
    )

    @app.on_startup
    async def start_sandbox() -> None:
        await asyncio.to_thread(sandbox.start)
        if unenforced := sandbox_report(sandbox)["sandbox"]["unenforced"]:
            log.warning("the sandbox cannot enforce here: %s", ", ".join(unenforced))

    @app.after_shutdown
    async def stop_sandbox() -> None:
        await asyncio.to_thread(sandbox.close)

    return app


def main() -> None:
    """Run the executor until it is stopped."""
    run_service("executor", create_app)
