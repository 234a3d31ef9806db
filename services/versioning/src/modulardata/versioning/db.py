"""Building the async SQLAlchemy engine from a plain `postgresql://` URL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def make_engine(database_url: str, *, pool_size: int = 5) -> AsyncEngine:
    """An async engine on psycopg 3, whatever driver name the URL carries."""
    scheme, _, rest = database_url.partition("://")
    if not scheme.startswith("postgres"):
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {scheme!r}")
    return create_async_engine(
        f"postgresql+psycopg://{rest}", pool_size=pool_size, pool_pre_ping=True
    )
