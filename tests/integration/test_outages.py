"""Outages: while Kafka or PostgreSQL is down, a write is answered 503 with Retry-After in under
a second, reads that need only the database go on, and once the backend is back the gateway
takes writes again by itself; every write answered 201 went through, none refused did.

Kafka is a broker of this module's own (the shared one stays up), PostgreSQL is reached by the
gateway through a proxy the test cuts or stalls (the server stays up).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.integration.conftest import new_session, wait_for
from tests.support.infrastructure import Source
from tests.support.postgres import fresh_database
from tests.support.private_broker import PrivateBroker
from tests.support.proxy import TcpProxy
from tests.support.stack import Stack

FAST_S = 1.0
"""How fast a refusal must come."""


@pytest.fixture(scope="module")
def broker(
    infrastructure: Source, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PrivateBroker]:
    running = PrivateBroker(tmp_path_factory.mktemp("broker"))
    running.up()
    try:
        yield running
    finally:
        running.clean()


@pytest.fixture(scope="module")
def outage_database(infrastructure: Source) -> Iterator[str]:
    with fresh_database("outages") as url:
        yield url


@pytest.fixture(scope="module")
def proxy(outage_database: str) -> Iterator[TcpProxy]:
    parts = urlsplit(outage_database)
    hop = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    hop.start()
    try:
        yield hop
    finally:
        hop.refuse()


@pytest.fixture(scope="module")
def stack(
    broker: PrivateBroker,
    outage_database: str,
    proxy: TcpProxy,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """Versioning and the gateway on the private broker; the gateway's database behind the
    proxy."""
    parts = urlsplit(outage_database)
    behind_proxy = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    running = Stack(
        database_url=outage_database,
        workdir=tmp_path_factory.mktemp("outages"),
        extra_env={
            "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
            "MODULARDATA_GATEWAY_DATABASE_URL": behind_proxy,
        },
    )
    try:
        running.start(only=("versioning", "gateway"))
        yield running
    finally:
        running.stop()


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    with stack.client() as http:
        yield http


def timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def assert_refused_fast(call: Callable[[], httpx.Response], codes: set[str]) -> httpx.Response:
    response, elapsed = timed(call)
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] in codes
    assert int(response.headers["Retry-After"]) >= 1
    assert elapsed < FAST_S, f"{elapsed:.2f} s"
    return response


def kafka_is_down(client: httpx.Client) -> bool:
    return 'modulardata_gateway_backend_up{backend="kafka"} 0.0' in client.get("/metrics").text


def session_names(client: httpx.Client) -> list[str]:
    listed = client.get("/v1/sessions", params={"limit": 200})
    assert listed.status_code == 200, listed.text
    return [session["name"] for session in listed.json()["sessions"]]


def test_while_kafka_is_down_writes_get_a_fast_503_reads_go_on_and_writes_resume(
    client: httpx.Client, broker: PrivateBroker
) -> None:
    before = new_session(client)
    broker.kill()
    try:
        # A write right after the broker dies, before any background probe, is refused at
        # once: the gateway confirms Kafka accepts connections before each write.
        assert_refused_fast(
            lambda: client.post("/v1/sessions", json={"name": "refused"}), {"queue_unavailable"}
        )
        # The next probe (every 0.5 s) sees it too (within 1 s in every run here; the margin is
        # for a loaded CI host).
        wait_for(
            lambda: kafka_is_down(client),
            timeout_s=1.5 * FAST_S,
            what="the gateway to see Kafka go",
        )
        for _ in range(3):
            assert_refused_fast(
                lambda: client.post("/v1/sessions", json={"name": "refused"}),
                {"queue_unavailable"},
            )
        assert_refused_fast(
            lambda: client.post(f"/v1/sessions/{before}/messages", json={"message": "undo"}),
            {"queue_unavailable"},
        )
        assert_refused_fast(lambda: client.delete(f"/v1/sessions/{before}"), {"queue_unavailable"})
        read, elapsed = timed(lambda: client.get(f"/v1/sessions/{before}"))
        assert read.status_code == 200, read.text
        assert elapsed < FAST_S
    finally:
        broker.up()

    def accepted_after() -> str | None:
        response = client.post("/v1/sessions", json={"name": "after"})
        return response.json()["session_id"] if response.status_code == 201 else None

    after = wait_for(accepted_after, timeout_s=60, what="a write to be accepted again")
    assert client.get(f"/v1/sessions/{after}").status_code == 200
    names = session_names(client)
    assert "refused" not in names
    assert client.get(f"/v1/sessions/{before}").status_code == 200


def test_while_the_database_is_down_requests_get_a_fast_503_then_work_again(
    client: httpx.Client, proxy: TcpProxy
) -> None:
    before = new_session(client)
    proxy.refuse()
    try:
        for _ in range(3):
            assert_refused_fast(
                lambda: client.post("/v1/sessions", json={"name": "refused"}),
                {"database_unavailable", "unavailable"},
            )
        assert_refused_fast(
            lambda: client.get(f"/v1/sessions/{before}"), {"database_unavailable", "unavailable"}
        )
    finally:
        proxy.restore()
    wait_for(
        lambda: client.get(f"/v1/sessions/{before}").status_code == 200,
        timeout_s=10,
        what="the database to be used again",
    )
    assert new_session(client)
    assert "refused" not in session_names(client)


def test_while_the_database_hangs_requests_get_a_fast_503_once_it_is_noticed(
    stack: Stack, client: httpx.Client, proxy: TcpProxy
) -> None:
    before = new_session(client)
    proxy.stall()
    try:
        with stack.client() as impatient:
            impatient.timeout = httpx.Timeout(FAST_S)

            def refused_as_down() -> bool:
                try:
                    response = impatient.get(f"/v1/sessions/{before}")
                except httpx.TimeoutException:
                    return False  # in flight as it stalled: it waits for the database
                return response.status_code == 503

            wait_for(refused_as_down, timeout_s=10, what="the gateway to see the database hang")
            for _ in range(3):
                assert_refused_fast(
                    lambda: impatient.post("/v1/sessions", json={"name": "refused"}),
                    {"database_unavailable"},
                )
    finally:
        proxy.restore()
    wait_for(
        lambda: client.get(f"/v1/sessions/{before}").status_code == 200,
        timeout_s=10,
        what="the database to be used again",
    )
    assert new_session(client)
    assert "refused" not in session_names(client)
