"""Stopping a worker mid-message on the real broker: it stops within its graceful timeout, the
message it abandoned is not committed, and the next consumer of its group handles it."""

from __future__ import annotations

import asyncio
import os
import time
import uuid

from modulardata.contracts import topics
from modulardata.contracts.envelope import Envelope
from modulardata.messaging.bus import Bus, make_broker
from modulardata.messaging.service import service_app
from modulardata.messaging.settings import WorkerSettings
from tests.support.infrastructure import Source

from .test_bus import _envelope

GRACEFUL_TIMEOUT_S = 10.0
"""make_broker's: how long a stopping consumer waits for the message in its handler."""


async def test_an_abandoned_message_is_handled_by_the_next_consumer(
    infrastructure: Source,
) -> None:
    settings = WorkerSettings(
        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
        topic_prefix=f"it-stop-{uuid.uuid4().hex[:10]}.",
    )
    held = asyncio.Event()

    async def never_ends(envelope: Envelope) -> None:
        held.set()
        await asyncio.Event().wait()

    first = Bus(make_broker(settings, client_id="stopping"), settings)
    first.subscribe(topics.EVENTS, "shutdown", never_ends)
    app = service_app(first.broker, settings)
    await app.start()
    sent = _envelope()
    await first.publish(sent, topics.EVENTS)
    await asyncio.wait_for(held.wait(), timeout=30)
    started = time.monotonic()
    await asyncio.wait_for(app.stop(), timeout=GRACEFUL_TIMEOUT_S + 20)
    assert time.monotonic() - started < GRACEFUL_TIMEOUT_S + 5

    handled: asyncio.Future[Envelope] = asyncio.get_running_loop().create_future()

    async def handle(envelope: Envelope) -> None:
        if not handled.done():
            handled.set_result(envelope)

    second = Bus(make_broker(settings, client_id="next"), settings)
    second.subscribe(topics.EVENTS, "shutdown", handle)
    async with second.broker:
        await second.broker.start()
        again = await asyncio.wait_for(handled, timeout=60)
    assert again.message_id == sent.message_id
