"""What the gateway admits: a caller within its rate limit, a task into a session with room,
a request whose backends answer.

The limits answer 429, the backends 503, each with Retry-After, before any other work of the
request.
"""

from __future__ import annotations

from fastapi import Request

from modulardata.gateway.adapters.api_keys import hash_key, key_id_for
from modulardata.gateway.api.auth import bearer_token
from modulardata.gateway.api.deps import READ_METHODS, ReadModelsDep, ResourcesDep, SessionDep
from modulardata.gateway.exceptions import TooManyRequests, Unauthorized, Unavailable


async def within_rate_limit(request: Request, resources: ResourcesDep) -> None:
    """TooManyRequests (`rate_limited`) when the caller is over its limits; it needs no query,
    so an over-limit caller costs the database nothing."""
    limits = resources.rate_limits
    wait_s = await limits.retry_after(counted_as(request))
    if wait_s is not None:
        resources.metrics.throttled.labels(reason="rate_limited").inc()
        raise TooManyRequests(
            f"over this API key's rate limit ({limits.spec}); retry in {wait_s} s",
            retry_after_s=wait_s,
        )


async def session_has_room(
    session: SessionDep, read_models: ReadModelsDep, resources: ResourcesDep
) -> None:
    """TooManyRequests (`session_busy`) when the session already holds its limit of tasks."""
    settings = resources.settings
    waiting = await read_models.unfinished_tasks(session.session_id)
    if waiting >= settings.session_queue_limit:
        resources.metrics.throttled.labels(reason="session_busy").inc()
        raise TooManyRequests(
            f"session {session.session_id} has {waiting} unfinished tasks (the limit is "
            f"{settings.session_queue_limit}); retry when some have ended",
            code="session_busy",
            retry_after_s=settings.session_busy_retry_after_s,
        )


def database_down(retry_after_s: int) -> Unavailable:
    """The refusal of a request while the database does not answer."""
    return Unavailable(
        "the database does not answer; try again",
        code="database_unavailable",
        retry_after_s=retry_after_s,
    )


async def backends_answer(request: Request, resources: ResourcesDep) -> None:
    """Unavailable at once while the database is down, or, for a write, Kafka (asked afresh,
    since a write waits on it): the request was not accepted, nothing of it is kept."""
    links, retry_after_s = resources.links, resources.settings.unavailable_retry_after_s
    if not links.database.up:
        raise database_down(retry_after_s)
    if request.method not in READ_METHODS and not await links.kafka.admits():
        raise Unavailable(
            "the message queue does not answer, so nothing was accepted; try again "
            "(reads still work)",
            code="queue_unavailable",
            retry_after_s=retry_after_s,
        )


def counted_as(request: Request) -> str:
    """Who a request counts against: its API key's id, or its address when it has no key; read
    from the Authorization header alone, so an over-limit request costs no query."""
    try:
        return key_id_for(hash_key(bearer_token(request.headers.get("authorization"))))
    except Unauthorized:
        return f"address:{request.client.host if request.client else 'unknown'}"
