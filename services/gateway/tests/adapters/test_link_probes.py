"""A link is down as soon as a probe fails or goes unanswered too long, and up again with the
next good one; a probe slowed by a busy host is not an outage."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry, Gauge

from modulardata.gateway.adapters.link_probes import (
    BackendLinks,
    LinkWatcher,
    accepting_connections,
)
from modulardata.gateway.config import GatewaySettings

BUSY_HOST_S = 1.6
"""The longest a healthy PostgreSQL took to answer the probe on a loaded 2-CPU host
(bench/load_users.py, with other test runs beside it)."""


class Backend:
    """A backend whose answers the test decides: fine, slow, refusing, or hanging."""

    def __init__(self) -> None:
        self.state = "fine"
        self.probes = 0
        self.released = asyncio.Event()

    async def probe(self) -> None:
        self.probes += 1
        if self.state == "refusing":
            raise ConnectionRefusedError("nothing listens")
        if self.state == "slow":
            await asyncio.sleep(BUSY_HOST_S)
        if self.state == "hanging":
            await self.released.wait()


def watcher(
    backend: Backend, name: str = "kafka", timeout_s: float = 0.05
) -> tuple[LinkWatcher, CollectorRegistry]:
    registry = CollectorRegistry()
    gauge = Gauge("backend_up", "1 while up.", ["backend"], registry=registry)
    link = LinkWatcher(
        name,
        backend.probe,
        interval_s=0.01,
        timeout_s=timeout_s,
        gauge=gauge.labels(backend=name),
    )
    return link, registry


def gauge_value(registry: CollectorRegistry, name: str) -> float | None:
    return registry.get_sample_value("backend_up", {"backend": name})


async def test_a_refusing_or_hanging_backend_is_down_and_up_again_when_it_answers() -> None:
    backend = Backend()
    link, registry = watcher(backend)
    assert await link.check()
    assert gauge_value(registry, "kafka") == 1
    backend.state = "refusing"
    assert not await link.check()
    assert not link.up
    assert gauge_value(registry, "kafka") == 0
    backend.state = "hanging"
    started = asyncio.get_running_loop().time()
    assert not await link.check()
    assert not await link.check()  # the stalled probe is waited for, not piled on
    assert asyncio.get_running_loop().time() - started < 1
    assert backend.probes == 3
    backend.state = "fine"
    backend.released.set()
    assert await link.check()
    assert link.up
    assert gauge_value(registry, "kafka") == 1


async def test_a_busy_host_is_not_an_outage_with_the_default_timeout() -> None:
    backend = Backend()
    backend.state = "slow"
    link, registry = watcher(
        backend, "database", GatewaySettings.model_fields["link_probe_timeout_s"].default
    )
    assert await link.check()
    assert gauge_value(registry, "database") == 1
    backend.state = "refusing"
    assert not await link.check()  # a refusal still counts at once


async def test_watched_links_follow_their_backends_in_the_background() -> None:
    kafka, database = Backend(), Backend()
    links = BackendLinks(kafka=watcher(kafka)[0], database=watcher(database, "database")[0])
    async with links.watched():
        assert links.kafka.up and links.database.up
        kafka.state = "refusing"
        for _ in range(200):
            if not links.kafka.up:
                break
            await asyncio.sleep(0.01)
        assert not links.kafka.up
        assert links.database.up
        kafka.state = "fine"
        for _ in range(200):
            if links.kafka.up:
                break
            await asyncio.sleep(0.01)
        assert links.kafka.up
    probes = kafka.probes
    await asyncio.sleep(0.05)
    assert kafka.probes == probes  # no probing once the block has ended


async def test_a_stopped_broker_refuses_at_once_and_a_listening_one_is_accepted() -> None:
    listener = await asyncio.start_server(lambda _r, w: w.close(), "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()
    started = asyncio.get_running_loop().time()
    with pytest.raises(ConnectionError, match="no Kafka bootstrap server"):
        await accepting_connections(f"127.0.0.1:{port}")
    assert asyncio.get_running_loop().time() - started < 0.5
    async with await asyncio.start_server(lambda _r, w: w.close(), "127.0.0.1", 0) as server:
        open_port = server.sockets[0].getsockname()[1]
        await accepting_connections(f"127.0.0.1:{port}, 127.0.0.1:{open_port}")
