"""Fixtures every test tier can use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modulardata.sandbox.sandbox import Sandbox
from tests.support.infrastructure import Source, infrastructure_for_tests
from tests.support.postgres import fresh_database


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Source]:
    """The Kafka broker and PostgreSQL server of this run (see tests/support/infrastructure)."""
    with infrastructure_for_tests() as source:
        yield source


@pytest.fixture(scope="session")
def database_url(infrastructure: Source) -> Iterator[str]:
    """An empty database on the real Postgres, dropped after the run."""
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """A sandbox the services' tests share (the sandbox's own tests start theirs after planting
    canaries)."""
    box = Sandbox(pool_size=1)
    yield box
    box.close()
