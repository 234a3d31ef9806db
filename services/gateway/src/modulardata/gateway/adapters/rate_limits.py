"""Per-caller rate limits, counted in the gateway process (moving windows of the `limits`
library)."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter


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
