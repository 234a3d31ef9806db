"""Followers of the log wake up on a committed append instead of waiting for their poll."""

from __future__ import annotations

import asyncio
import contextlib
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import TaskProgressed
from modulardata.versioning import eventstore
from modulardata.versioning.following import AppendWakeup, follow_log


async def test_an_append_wakes_followers(engine: AsyncEngine, database_url: str) -> None:
    wakeup = AppendWakeup(database_url)
    first, second = wakeup.follower(), wakeup.follower()
    listener = asyncio.create_task(wakeup.run())
    try:
        await asyncio.wait_for(first.wait(), 10)  # set once when listening starts
        first.clear()
        second.clear()
        session, task = uuid4(), uuid4()
        envelope = Envelope.wrap(
            TaskProgressed(task_id=task, session_id=session, stage="thinking"),
            session_id=session,
            correlation_id=task,
        )
        async with engine.begin() as conn:
            await eventstore.append(conn, "s", 0, [envelope])
            await asyncio.sleep(0.1)
            assert not first.is_set()  # nothing is announced before the commit
        await asyncio.wait_for(asyncio.gather(first.wait(), second.wait()), 5)
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener


async def test_follow_log_runs_its_step_on_wakeup_and_survives_failures() -> None:
    calls: list[str] = []
    wakeup = asyncio.Event()

    async def step() -> int:
        calls.append("step")
        if len(calls) == 2:
            raise RuntimeError("transient")
        return 0

    follower = asyncio.create_task(
        follow_log("test", step, batch_size=10, wakeup=wakeup, poll_interval_s=60)
    )
    try:
        await asyncio.sleep(0.05)
        assert calls == ["step"]  # then it waits: the poll interval is a minute
        wakeup.set()
        await asyncio.sleep(1.2)  # the failed step is retried after a one-second pause
        assert len(calls) == 3
    finally:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower
