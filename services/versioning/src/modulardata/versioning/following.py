"""Following the log: the projector and the relay each run a step whenever something new may
be there; sweeps (silent tasks, idle sessions) run a step at an interval.

Appends `NOTIFY` in their transaction; one listening connection turns that into asyncio events,
so followers react at once. They still poll at an interval, so a lost connection costs only
latency, never events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import psycopg

log = logging.getLogger(__name__)

CHANNEL = "modulardata_events"


class AppendWakeup:
    """Fan-out of the log's append notifications to any number of followers."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url.replace("postgresql+psycopg://", "postgresql://")
        self._events: list[asyncio.Event] = []

    def follower(self) -> asyncio.Event:
        """An event set whenever something was appended; the follower clears it."""
        event = asyncio.Event()
        self._events.append(event)
        return event

    async def run(self) -> None:
        """Listen forever, reconnecting after a failure."""
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._url, autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self._wake()  # anything appended while we were not listening
                    async for _ in conn.notifies():
                        self._wake()
            except psycopg.Error:
                log.warning("append notifications lost; reconnecting", exc_info=True)
                await asyncio.sleep(1.0)

    def _wake(self) -> None:
        for event in self._events:
            event.set()


async def follow_log(
    name: str,
    step: Callable[[], Awaitable[int]],
    *,
    batch_size: int,
    wakeup: asyncio.Event,
    poll_interval_s: float,
) -> None:
    """Run `step` (which handles up to `batch_size` events) forever; failures are retried."""
    while True:
        wakeup.clear()
        try:
            handled = await step()
        except Exception:
            log.exception("%s failed; retrying", name)
            await asyncio.sleep(1.0)
            continue
        if handled < batch_size:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), poll_interval_s)


async def every(name: str, step: Callable[[], Awaitable[object]], interval_s: float) -> None:
    """Run `step` every `interval_s` until cancelled; a failed run is retried the next time."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await step()
        except Exception:
            log.exception("%s failed; will try again", name)
