"""Per-key rate limits: moving windows per caller.

Counted in the gateway process (moving windows of the `limits` library), keyed by the API key's
id, which comes from the Authorization header alone, so an over-limit request costs no query.
"""

from __future__ import annotations

import math
import time

from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from modulardata.gateway.adapters.api_keys import hash_key, key_id_for
from modulardata.gateway.api.auth import bearer_token
from modulardata.gateway.exceptions import Unauthorized


class RateLimits:
    """Moving-window limits per caller, e.g. '50/second;1000/minute'."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self._items: list[RateLimitItem] = parse_many(spec)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def retry_after(self, caller: str) -> int | None:
        """Count one request of `caller`: None if within its limits, else the seconds until a
        retry would be."""
        for item in self._items:
            if not await self._limiter.hit(item, caller):
                stats = await self._limiter.get_window_stats(item, caller)
                return max(1, math.ceil(stats.reset_time - time.time()))
        return None


def counted_as(request: Request) -> str:
    """Who a request counts against: its API key's id, or its address when it has no key."""
    try:
        return key_id_for(hash_key(bearer_token(request.headers.get("authorization"))))
    except Unauthorized:
        return f"address:{request.client.host if request.client else 'unknown'}"
