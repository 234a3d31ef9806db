"""A worker's probes on the real broker: ready once started with its dependencies answering,
not live while a message is stuck in its handler, and no longer ready once asked to stop."""

from __future__ import annotations

import asyncio
import os
import uuid

import httpx

from modulardata.contracts import topics
from modulardata.contracts.envelope import Envelope
from modulardata.messaging.bus import Bus, make_broker
from modulardata.messaging.health import ConsumerProgress
from modulardata.messaging.service import service_app
from modulardata.messaging.settings import WorkerSettings
from tests.support.infrastructure import Source
from tests.support.stack import free_port

from .test_bus import _envelope


def _settings() -> WorkerSettings:
    return WorkerSettings(
        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
        topic_prefix=f"it-health-{uuid.uuid4().hex[:10]}.",
        health_port=free_port(),
        health_stall_s=1.0,
    )


async def test_the_probes_follow_the_service(infrastructure: Source) -> None:
    settings = _settings()
    bus = Bus(make_broker(settings, client_id="health-test"), settings)
    held, release = asyncio.Event(), asyncio.Event()

    async def handle(envelope: Envelope) -> None:
        held.set()
        await release.wait()

    bus.subscribe(topics.EVENTS, "health", handle)
    database_answers = True

    async def database() -> None:
        if not database_answers:
            raise ConnectionError("refused")

    app = service_app(bus.broker, settings, checks={"postgresql": database})
    url = f"http://127.0.0.1:{settings.health_port}"
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        await app.start()
        try:
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"] == {"kafka": "ok", "postgresql": "ok"}
            database_answers = False
            not_ready = await client.get("/readyz")
            assert not_ready.status_code == 503
            assert not_ready.json()["checks"]["postgresql"].startswith("error")
            database_answers = True

            assert (await client.get("/livez")).status_code == 200
            assert (await client.get("/nothing")).status_code == 404
            assert (await client.post("/livez")).status_code == 405
            await bus.publish(_envelope(), topics.EVENTS)
            await asyncio.wait_for(held.wait(), timeout=30)
            await asyncio.sleep(1.2)
            stalled = await client.get("/livez")
            assert stalled.status_code == 503
            assert "handled for over 1 s" in stalled.json()["problem"]

            stopping = asyncio.create_task(app.stop())
            await asyncio.sleep(0.2)  # the stop waits for the held message
            leaving = await client.get("/readyz")
            assert leaving.status_code == 503
            assert leaving.json()["problem"] == "stopping"
            release.set()
            await stopping
        finally:
            release.set()
            await app.stop()


def test_progress_counts_only_messages_still_in_their_handlers() -> None:
    now = [100.0]
    progress = ConsumerProgress(clock=lambda: now[0])
    progress.enter(1)
    now[0] = 102.0
    progress.enter(2)
    now[0] = 105.0
    assert progress.longest_handling_s() == 5.0
    progress.leave(1)
    assert progress.longest_handling_s() == 3.0
    progress.leave(2)
    assert progress.longest_handling_s() == 0.0
