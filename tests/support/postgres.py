"""A fresh database per test run on the Postgres the Makefile started (or DATABASE_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

DEFAULT_URL = "postgresql://postgres@127.0.0.1:15432/modulardata"


def server_url() -> str:
    """URL of the test Postgres: DATABASE_URL when set, else the Makefile's private cluster."""
    return os.environ.get("DATABASE_URL", DEFAULT_URL)


@contextmanager
def fresh_database(prefix: str = "test") -> Iterator[str]:
    """Create an empty database, yield its URL, drop it afterwards."""
    base = server_url()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
