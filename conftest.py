"""Fixtures every test tier can use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.postgres import fresh_database


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """An empty database on the real Postgres, dropped after the run."""
    with fresh_database() as url:
        yield url
