"""Many users at once over the real stack, with the gateway's own limits: chat round trips,
429s and their Retry-After, dropped connections and 5xx.

Each user has its own API key, httpx client (connections kept alive, default pool), session
and small CSV; then every user sends `--rounds` chat messages at the same time, polling each
task to its end, while one greedy client sends bursts of reads over its key's rate limit (and
waits out each Retry-After). Starts a stack of its own on the running Kafka and PostgreSQL
(`make infra-up`):
    uv run python bench/load_users.py --users 100 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parents[1]))

from bench.chat_latency import MESSAGES, dataset, percentile  # noqa: E402
from modulardata.gateway.config import GatewaySettings  # noqa: E402
from tests.support.postgres import fresh_database  # noqa: E402
from tests.support.stack import Stack  # noqa: E402

ENDED = ("succeeded", "failed", "needs_input")
TASK_DEADLINE_S = 300.0
"""A task not ended this long after its message counts as `unfinished`."""
FIRST_POLL_S = 0.1
"""The first wait between polls of a task; it doubles up to `--poll-s`."""


@dataclass
class Tally:
    """What one group of clients saw."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    without_retry_after: int = 0
    retry_after_s: Counter[int] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    server_errors: Counter[str] = field(default_factory=Counter)
    tasks: Counter[str] = field(default_factory=Counter)
    round_trips_ms: list[float] = field(default_factory=list)

    def count(self, response: httpx.Response) -> None:
        """Count an answer, and for a 429 its Retry-After."""
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.server_errors[f"{response.status_code} {_error_code(response)}"] += 1
        if response.status_code == 429:
            if response.headers.get("Retry-After", "").isdigit():
                self.retry_after_s[int(response.headers["Retry-After"])] += 1
            else:
                self.without_retry_after += 1


def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "(no error code)"


async def request(
    client: httpx.AsyncClient, tally: Tally, method: str, url: str, **kwargs: Any
) -> httpx.Response | None:
    """Send one request and count its answer; None when the connection failed."""
    tally.requests += 1
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.TransportError as exc:
        tally.transport_errors[type(exc).__name__] += 1
        return None
    tally.count(response)
    return response


async def polite(
    client: httpx.AsyncClient, tally: Tally, method: str, url: str, **kwargs: Any
) -> httpx.Response | None:
    """`request`, sent again after the Retry-After of each 429 or 503, as a well-behaved client
    would."""
    while True:
        response = await request(client, tally, method, url, **kwargs)
        if response is None or response.status_code not in (429, 503):
            return response
        await asyncio.sleep(int(response.headers.get("Retry-After", "1")))


async def task_end(client: httpx.AsyncClient, tally: Tally, task_id: str, poll_s: float) -> str:
    """Poll a task, ever less often up to every `poll_s`, until it has ended; its final status
    (`unfinished` past the deadline)."""
    deadline, wait_s = time.monotonic() + TASK_DEADLINE_S, FIRST_POLL_S
    while time.monotonic() < deadline:
        response = await polite(client, tally, "GET", f"/v1/tasks/{task_id}")
        if response is not None and response.status_code == 200:
            status = str(response.json()["status"])
            if status in ENDED:
                return status
        await asyncio.sleep(wait_s)
        wait_s = min(2 * wait_s, poll_s)
    return "unfinished"


@dataclass
class User:
    """One user: a key, its own client, and later its session."""

    client: httpx.AsyncClient
    tally: Tally
    session_id: str = ""

    async def set_up(self, content: bytes, poll_s: float) -> None:
        """A session with the CSV uploaded and read."""
        created = await polite(self.client, self.tally, "POST", "/v1/sessions", json={})
        if created is None or created.status_code not in (201, 202):
            raise RuntimeError(f"session not created: {created and created.text}")
        self.session_id = created.json()["session_id"]
        uploaded = await polite(
            self.client,
            self.tally,
            "POST",
            f"/v1/sessions/{self.session_id}/datasets",
            files={"file": ("users.csv", content, "text/csv")},
        )
        if uploaded is None or uploaded.status_code != 202:
            raise RuntimeError(f"upload not accepted: {uploaded and uploaded.text}")
        status = await task_end(self.client, self.tally, uploaded.json()["task_id"], poll_s)
        if status != "succeeded":
            raise RuntimeError(f"upload ended {status}")

    async def chat(self, rounds: int, poll_s: float) -> None:
        """Send `rounds` messages one after the other, each polled to its end."""
        for number in range(rounds):
            started = time.perf_counter()
            accepted = await polite(
                self.client,
                self.tally,
                "POST",
                f"/v1/sessions/{self.session_id}/messages",
                json={"message": MESSAGES[number % len(MESSAGES)]},
            )
            if accepted is None or accepted.status_code != 202:
                self.tally.tasks["not accepted"] += 1
                continue
            status = await task_end(self.client, self.tally, accepted.json()["task_id"], poll_s)
            self.tally.round_trips_ms.append(1000 * (time.perf_counter() - started))
            self.tally.tasks[status] += 1


async def greedy(client: httpx.AsyncClient, tally: Tally, burst: int, stop: asyncio.Event) -> None:
    """Bursts of `burst` reads at once, over the key's rate limit, each followed by the longest
    Retry-After it was given, until `stop`."""
    while not stop.is_set():
        answers = await asyncio.gather(
            *(request(client, tally, "GET", "/v1/sessions") for _ in range(burst))
        )
        waits = [
            int(answer.headers.get("Retry-After", "1"))
            for answer in answers
            if answer is not None and answer.status_code == 429
        ]
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=max(waits, default=0))


@dataclass
class Figures:
    """Everything the run measured."""

    users: Tally
    greedy: Tally
    setup_s: float
    chat_s: float


async def run(url: str, keys: list[str], args: argparse.Namespace, content: bytes) -> Figures:
    """Set every user up (a few at a time), then let them all chat at once beside the greedy
    client."""
    users_tally, greedy_tally = Tally(), Tally()
    async with AsyncExitStack() as clients:

        async def client(key: str) -> httpx.AsyncClient:
            return await clients.enter_async_context(
                httpx.AsyncClient(
                    base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120
                )
            )

        users = [User(await client(key), users_tally) for key in keys[1:]]
        started = time.perf_counter()
        room = asyncio.Semaphore(args.setup_concurrency)

        async def set_up(user: User) -> None:
            async with room:
                await user.set_up(content, args.poll_s)

        await asyncio.gather(*(set_up(user) for user in users))
        setup_s, started = time.perf_counter() - started, time.perf_counter()
        stop = asyncio.Event()
        greedy_run = asyncio.create_task(
            greedy(await client(keys[0]), greedy_tally, args.greedy_burst, stop)
        )
        await asyncio.gather(*(user.chat(args.rounds, args.poll_s) for user in users))
        stop.set()
        await greedy_run
        return Figures(users_tally, greedy_tally, setup_s, time.perf_counter() - started)


@contextmanager
def stack_with_limits(rate_limit: str, session_queue_limit: int) -> Iterator[Stack]:
    """A stack of its own, its gateway held to these limits (the tests' stack has none)."""
    env = {
        "MODULARDATA_GATEWAY_RATE_LIMIT": rate_limit,
        "MODULARDATA_GATEWAY_SESSION_QUEUE_LIMIT": str(session_queue_limit),
    }
    with fresh_database("bench") as database, tempfile.TemporaryDirectory() as folder:
        stack = Stack(database_url=database, workdir=Path(folder), extra_env=env)
        stack.start()
        try:
            yield stack
        finally:
            stack.stop()


def _throttled(tally: Tally) -> str:
    waits = ", ".join(f"{s} s x{n}" for s, n in sorted(tally.retry_after_s.items()))
    return (
        f"{tally.statuses[429]} of {tally.requests} requests, "
        f"{tally.without_retry_after} without Retry-After (Retry-After: {waits or '-'})"
    )


def _kinds(counts: Counter[str]) -> str:
    kinds = ", ".join(f"{kind} x{n}" for kind, n in sorted(counts.items()))
    return f"{counts.total()}{f' ({kinds})' if kinds else ''}"


def report(figures: Figures, args: argparse.Namespace) -> None:
    """Print the figures."""
    users, greedy_tally = figures.users, figures.greedy
    ms = sorted(users.round_trips_ms)
    print(
        f"users: {args.users} (a key, client, session and {args.rows}-row CSV each), rounds: "
        f"{args.rounds}, polls {FIRST_POLL_S}-{args.poll_s} s apart; rate limit "
        f"{args.rate_limit} per key, greedy client bursts of {args.greedy_burst}"
    )
    print(f"setup {figures.setup_s:.1f} s, chat phase {figures.chat_s:.1f} s")
    if ms:
        print(
            f"chat round trip: p50 {statistics.median(ms):.0f} ms, p95 "
            f"{percentile(ms, 0.95):.0f} ms, max {ms[-1]:.0f} ms ({len(ms)} tasks)"
        )
    print("tasks ended: " + ", ".join(f"{s} {n}" for s, n in sorted(users.tasks.items())))
    print(f"429s, users: {_throttled(users)}")
    print(f"429s, greedy client: {_throttled(greedy_tally)}")
    for name, tally in (("users", users), ("greedy client", greedy_tally)):
        print(
            f"{name}: dropped connections / transport errors {_kinds(tally.transport_errors)}, "
            f"5xx {_kinds(tally.server_errors)}"
        )


def main() -> None:
    """Start the stack, make the keys, measure and print the figures."""
    defaults = GatewaySettings.model_fields
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000, help="rows of each user's CSV")
    parser.add_argument("--poll-s", type=float, default=1.0, help="longest wait between polls")
    parser.add_argument("--greedy-burst", type=int, default=100, help="reads sent at once")
    parser.add_argument("--setup-concurrency", type=int, default=10)
    parser.add_argument("--rate-limit", default=defaults["rate_limit"].default)
    parser.add_argument(
        "--session-queue-limit", type=int, default=defaults["session_queue_limit"].default
    )
    args = parser.parse_args()
    content = dataset(args.rows)
    with stack_with_limits(args.rate_limit, args.session_queue_limit) as stack:
        keys = stack.create_keys(["greedy"] + [f"user-{n}" for n in range(args.users)])
        figures = asyncio.run(run(stack.url, keys, args, content))
    report(figures, args)


if __name__ == "__main__":
    main()
