"""What the gateway knows of its links to Kafka and PostgreSQL, kept fresh by cheap probes.

A write needs both, a read only the database. Knowing that a link is down lets a request be
answered 503 with Retry-After at once, instead of hanging on it (and, for Kafka, instead of
leaving a message with the producer that would be delivered after the client was told no);
the probes go on while it is down, so the gateway notices by itself when it is back. A link
with a quick probe is also checked by it before each request that needs it, so a link lost
since the last probe is seen at once rather than at the end of the request's deadline.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

from faststream.kafka import KafkaBroker
from prometheus_client import Gauge
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[object]]
"""One round trip to a backend; it answers if this returns without raising."""


class LinkWatcher:
    """One backend's link, probed every `interval_s`; a probe slower than `timeout_s` fails."""

    def __init__(
        self,
        name: str,
        probe: Probe,
        *,
        interval_s: float,
        timeout_s: float,
        gauge: Gauge,
        quick_probe: Probe | None = None,
    ) -> None:
        self.name = name
        self.up = True
        self._probe = probe
        self._quick_probe = quick_probe
        self._interval_s = interval_s
        self._timeout_s = timeout_s
        self._gauge = gauge
        self._probing: asyncio.Future[object] | None = None

    async def check(self) -> bool:
        """Probe the link once; whether it is up.

        A probe still running after the timeout is left to end on its own (cancelling a
        stalled connection can stall too) and no second one starts meanwhile, so the verdict
        always comes within the timeout."""
        if self._probing is None or self._probing.done():
            self._probing = asyncio.ensure_future(self._probe())
        done, _ = await asyncio.wait({self._probing}, timeout=self._timeout_s)
        failure: BaseException | None = TimeoutError(f"no answer within {self._timeout_s} s")
        if done:
            failure = None if self._probing.cancelled() else self._probing.exception()
        return self._verdict(failure)

    def _verdict(self, failure: BaseException | None) -> bool:
        up = failure is None
        if self.up and not up:
            log.warning(
                "%s does not answer (%r): requests that need it get 503", self.name, failure
            )
        elif up and not self.up:
            log.warning("%s answers again", self.name)
        self.up = up
        self._gauge.set(int(up))
        return up

    async def admits(self) -> bool:
        """Whether a request needing the link may go on: the last verdict, confirmed by the
        quick probe if there is one; its failure is conclusive (a refused connection), so it
        is not held up by a full probe still in flight."""
        if not self.up:
            return False
        if self._quick_probe is None:
            return True
        try:
            await asyncio.wait_for(self._quick_probe(), self._timeout_s)
        except Exception as exc:
            return self._verdict(exc)
        return True

    async def watch(self) -> None:
        """Probe until cancelled."""
        try:
            while True:
                await self.check()
                await asyncio.sleep(self._interval_s)
        finally:
            if self._probing is not None:
                self._probing.cancel()


@dataclass(frozen=True)
class BackendLinks:
    """The links a request may need."""

    kafka: LinkWatcher
    database: LinkWatcher

    @asynccontextmanager
    async def watched(self) -> AsyncIterator[None]:
        """Probe each link once, then in the background until the block ends."""
        watchers = (self.kafka, self.database)
        await asyncio.gather(*(watcher.check() for watcher in watchers))
        tasks = [asyncio.create_task(watcher.watch()) for watcher in watchers]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with suppress(asyncio.CancelledError):
                    await task


def kafka_probe(broker: KafkaBroker, bootstrap_servers: str) -> Probe:
    """Ask the cluster to describe itself (a real round trip, on the broker's admin client),
    once some bootstrap server accepts a connection at all."""

    async def probe() -> None:
        await accepting_connections(bootstrap_servers)
        # ping retries inside its own timeout; the watcher's timeout bounds it instead.
        if not await broker.ping(timeout=None):
            raise ConnectionError("the Kafka broker is not connected")

    return probe


async def accepting_connections(servers: str) -> None:
    """ConnectionError unless one of the comma-separated `host:port` servers accepts a TCP
    connection: a stopped broker refuses it at once, where the client's ping retries until the
    watcher's timeout."""
    addresses = [server.strip() for server in servers.split(",") if server.strip()]
    for address in addresses:
        host, _, port = address.rpartition(":")
        try:
            _, writer = await asyncio.open_connection(host.strip("[]"), int(port))
        except (OSError, ValueError):
            continue
        writer.close()
        with suppress(OSError):
            await writer.wait_closed()
        return
    raise ConnectionError(f"no Kafka bootstrap server accepts connections: {servers}")


def database_probe(engine: AsyncEngine) -> Probe:
    """`SELECT 1` on an engine of its own, so a busy pool cannot pass for an outage."""

    async def probe() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return probe
