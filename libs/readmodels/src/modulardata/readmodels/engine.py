"""Building the async SQLAlchemy engine from a plain `postgresql://` URL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def make_engine(
    database_url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout_s: float = 30.0,
    connect_timeout_s: int | None = None,
    pre_ping: bool = True,
) -> AsyncEngine:
    """An async engine on psycopg 3, whatever driver name the URL carries.

    `pool_timeout_s` bounds the wait for a pooled connection, `connect_timeout_s` (2 s at
    least, as libpq has it) the opening of a new one."""
    scheme, _, rest = database_url.partition("://")
    if not scheme.startswith("postgres"):
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {scheme!r}")
    connect_args = {} if connect_timeout_s is None else {"connect_timeout": connect_timeout_s}
    return create_async_engine(
        f"postgresql+psycopg://{rest}",
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout_s,
        pool_pre_ping=pre_ping,
        connect_args=connect_args,
    )
