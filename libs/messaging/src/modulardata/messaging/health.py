"""A worker service's probes over plain HTTP, for Kubernetes and compose health checks.

`GET /livez`: 200 while every consumer runs and no message has been in its handler longer than
the stall limit (a consumer loop that stopped making progress answers 503, so it is
restarted). `GET /readyz`: 200 once the service has started and Kafka answers, as do the
service's own dependencies (PostgreSQL for versioning), with what the service reports beside
(the executor: what its sandbox enforces); 503 before that, when one does not answer, and from
the moment it is asked to stop. `GET /metrics`: the service's Prometheus metrics (see
`metrics`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from faststream import BaseMiddleware
from faststream.kafka import KafkaBroker
from faststream.message import StreamMessage
from prometheus_client import CONTENT_TYPE_LATEST

from modulardata.messaging.metrics import WorkerMetrics

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[None]]
"""Returns when a dependency answers, raises when it does not."""

Details = Callable[[], Mapping[str, Any]]
"""What a service adds to its readiness answer."""

CHECK_TIMEOUT_S = 2.0
"""Longest a readiness check may take before its dependency counts as not answering."""

_REQUEST_TIMEOUT_S = 5.0
_MAX_REQUEST_BYTES = 8192


class ConsumerProgress:
    """How long the messages being handled right now have been in their handlers."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._since: dict[int, float] = {}

    def middleware(self) -> Callable[..., BaseMiddleware]:
        """A broker middleware that records each message while it is handled."""
        return partial(_Tracked, progress=self)

    def longest_handling_s(self) -> float:
        """Seconds the oldest message still in a handler has been there; 0 when none is."""
        if not self._since:
            return 0.0
        return self._clock() - min(self._since.values())

    def enter(self, token: int) -> None:
        self._since[token] = self._clock()

    def leave(self, token: int) -> None:
        self._since.pop(token, None)


class _Tracked(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: Any, progress: ConsumerProgress) -> None:
        super().__init__(msg, context=context)
        self._progress = progress

    async def consume_scope(
        self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]], msg: StreamMessage[Any]
    ) -> Any:
        self._progress.enter(id(self))
        try:
            return await call_next(msg)
        finally:
            self._progress.leave(id(self))


@dataclass
class Probes:
    """The answers to /livez, /readyz and /metrics of one service."""

    broker: KafkaBroker
    progress: ConsumerProgress
    stall_after_s: float
    metrics: WorkerMetrics
    checks: Mapping[str, Check] = field(default_factory=dict)
    details: Details | None = None
    started: bool = False
    stopping: bool = False

    def live(self) -> tuple[bool, dict[str, Any]]:
        """Alive unless a consumer stopped after the start or a handler is stalled."""
        stopped = (
            self.started
            and not self.stopping
            and not all(subscriber.running for subscriber in self.broker.subscribers)
        )
        handling_s = self.progress.longest_handling_s()
        stalled = handling_s > self.stall_after_s
        body: dict[str, Any] = {"longest_handling_s": round(handling_s, 1)}
        if stopped:
            body["problem"] = "a consumer stopped"
        elif stalled:
            body["problem"] = f"a message has been handled for over {self.stall_after_s:g} s"
        return not (stopped or stalled), body

    async def ready(self) -> tuple[bool, dict[str, Any]]:
        """Ready once started and while every dependency answers, until asked to stop."""
        answers = await asyncio.gather(
            *(_answer(check) for check in (self._kafka, *self.checks.values()))
        )
        checks = dict(zip(("kafka", *self.checks), answers, strict=True))
        body: dict[str, Any] = {"checks": checks}
        if self.details is not None:
            body.update(self.details())
        if self.stopping:
            body["problem"] = "stopping"
        elif not self.started:
            body["problem"] = "starting"
        ok = self.started and not self.stopping and all(a == "ok" for a in answers)
        return ok, body

    async def _kafka(self) -> None:
        if not await self.broker.ping(timeout=CHECK_TIMEOUT_S):
            raise ConnectionError("no broker answered")


async def _answer(check: Check) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            await check()
    except Exception as exc:
        return f"error: {exc!r}"
    return "ok"


async def serve_probes(probes: Probes, host: str, port: int) -> asyncio.Server:
    """Listen for the probes; the server answers until it is closed."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(_REQUEST_TIMEOUT_S):
                head = await reader.readuntil(b"\r\n\r\n")
            status, content_type, payload = await _route(probes, head)
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # a client that sent no full request gets no answer
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, host, port, limit=_MAX_REQUEST_BYTES)
    log.info("probes at http://%s:%d/livez, /readyz and /metrics", host, port)
    return server


async def _route(probes: Probes, head: bytes) -> tuple[str, str, bytes]:
    """The status line, content type and body answering a request's head."""
    method, _, rest = head.partition(b" ")
    path = rest.split(b" ", 1)[0].split(b"?", 1)[0]
    if method != b"GET":
        return _json("405 Method Not Allowed", {"error": "only GET"})
    if path == b"/metrics":
        return "200 OK", CONTENT_TYPE_LATEST, await probes.metrics.render(probes.broker)
    if path == b"/livez":
        ok, body = probes.live()
    elif path == b"/readyz":
        ok, body = await probes.ready()
    else:
        return _json("404 Not Found", {"error": "the paths are /livez, /readyz and /metrics"})
    body["status"] = ("live" if path == b"/livez" else "ready") if ok else "failing"
    return _json("200 OK" if ok else "503 Service Unavailable", body)


def _json(status: str, body: dict[str, Any]) -> tuple[str, str, bytes]:
    return status, "application/json", json.dumps(body).encode()
