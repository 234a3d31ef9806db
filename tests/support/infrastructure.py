"""Which Kafka and PostgreSQL the tests use.

In order: the ones named by KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL; the ones `make infra-up`
started on their local ports (MODULARDATA_KAFKA_PORT / MODULARDATA_PG_PORT, as the Makefile's
scripts read them); containers from testcontainers when a Docker engine answers.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, MutableMapping
from contextlib import ExitStack, contextmanager
from typing import Literal

LOCAL_KAFKA = ("127.0.0.1", int(os.environ.get("MODULARDATA_KAFKA_PORT", "19092")))
LOCAL_POSTGRES = ("127.0.0.1", int(os.environ.get("MODULARDATA_PG_PORT", "15432")))

Source = Literal["environment", "local", "containers", "none"]


def choose_source(
    env: MutableMapping[str, str], *, local_answers: bool, docker_answers: bool
) -> Source:
    """Where the infrastructure for this run comes from."""
    if env.get("KAFKA_BOOTSTRAP_SERVERS") and env.get("DATABASE_URL"):
        return "environment"
    if local_answers:
        return "local"
    return "containers" if docker_answers else "none"


def _port_answers(address: tuple[str, int]) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(address) == 0


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


@contextmanager
def infrastructure_for_tests() -> Iterator[Source]:
    """Make sure KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL point at a live broker and server."""
    source = choose_source(
        os.environ,
        local_answers=_port_answers(LOCAL_KAFKA) and _port_answers(LOCAL_POSTGRES),
        docker_answers=_docker_answers(),
    )
    if source == "none":
        raise RuntimeError(
            "no Kafka/PostgreSQL for the tests: run `make test` (it starts them), or "
            "`make infra-up`, or set KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL"
        )
    if source == "local":
        os.environ.setdefault("KAFKA_BOOTSTRAP_SERVERS", "{}:{}".format(*LOCAL_KAFKA))
        os.environ.setdefault(
            "DATABASE_URL", "postgresql://postgres@{}:{}/modulardata".format(*LOCAL_POSTGRES)
        )
    if source != "containers":
        yield source
        return
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    with ExitStack() as stack:
        kafka = stack.enter_context(KafkaContainer().with_kraft())
        postgres = stack.enter_context(PostgresContainer("postgres:15", driver=None))
        os.environ["KAFKA_BOOTSTRAP_SERVERS"] = kafka.get_bootstrap_server()
        os.environ["DATABASE_URL"] = postgres.get_connection_url()
        yield source
