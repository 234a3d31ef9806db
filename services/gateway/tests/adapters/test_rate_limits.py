"""Rate limits per caller: moving windows, and the settings that spell them."""

from __future__ import annotations

import pytest

from modulardata.gateway.adapters.rate_limits import RateLimits
from modulardata.gateway.config import GatewaySettings


async def test_bursts_are_limited_per_second_and_per_caller() -> None:
    limits = RateLimits("2/second;3/minute")
    waits = [await limits.retry_after("k") for _ in range(3)]
    assert waits[:2] == [None, None]
    assert waits[2] == 1  # the burst: the second's window resets in a second
    await limits.retry_after("other")  # other callers are counted apart
    assert [await limits.retry_after("other") for _ in range(2)][-1] == 1


def test_a_malformed_rate_limit_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="rate_limit"):
        GatewaySettings(rate_limit="fast please")
