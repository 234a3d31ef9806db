"""Building the async SQLAlchemy engine from a plain `postgresql://` URL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool


def make_engine(
    database_url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout_s: float = 30.0,
    connect_timeout_s: int | None = None,
    pooled: bool = True,
) -> AsyncEngine:
    """An async engine on psycopg 3, whatever driver name the URL carries.

    `pool_timeout_s` bounds the wait for a pooled connection, `connect_timeout_s` (2 s at
    least, as libpq has it) the opening of a new one; an engine not `pooled` opens a connection
    for each use (so none is ever stale)."""
    scheme, _, rest = database_url.partition("://")
    if not scheme.startswith("postgres"):
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {scheme!r}")
    connect_args = {} if connect_timeout_s is None else {"connect_timeout": connect_timeout_s}
    url = f"postgresql+psycopg://{rest}"
    if not pooled:
        return create_async_engine(url, poolclass=NullPool, connect_args=connect_args)
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout_s,
        pool_pre_ping=True,
        connect_args=connect_args,
    )
