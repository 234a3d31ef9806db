"""The ASGI middleware behind `Idempotency-Key` (see `application.idempotency`): a key is claimed
before its request runs, so a retry sent meanwhile gets 409 `idempotency_key_in_use`; a retry
gets the kept answer, marked `Idempotent-Replayed: true`. Answers are kept `idempotency_ttl_s`,
in the gateway's database.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Mapping

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modulardata.gateway.adapters.api_keys import hash_key, key_id_for
from modulardata.gateway.adapters.idempotency_store import Held, IdempotentRequests
from modulardata.gateway.api.admission import database_down
from modulardata.gateway.api.auth import bearer_token
from modulardata.gateway.api.deps import Resources
from modulardata.gateway.api.error_responses import error_response, gateway_error_response
from modulardata.gateway.application.idempotency import (
    HEADER,
    MAX_KEY_LENGTH,
    Answer,
    Fingerprint,
    well_formed,
)
from modulardata.gateway.exceptions import Unauthorized

log = logging.getLogger(__name__)

FIELD = f"header.{HEADER}"
REPLAYED = (b"idempotent-replayed", b"true")


class IdempotencyMiddleware:
    """Replays the kept answer of a POST retried with the same `Idempotency-Key`."""

    def __init__(self, app: ASGIApp, resources: Resources) -> None:
        self.app = app
        self.resources = resources
        settings = resources.settings
        self.requests = IdempotentRequests(
            resources.engine, ttl_s=settings.idempotency_ttl_s, lease_s=settings.idempotency_lease_s
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _key_of(scope)
        owner = None if key is None else _owner_of(scope)
        # Without a key, or a caller, or a database, the app answers as it would (401, 503...).
        if key is None or owner is None or not self.resources.links.database.up:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        fingerprint = Fingerprint(
            scope["method"], scope["path"], scope["query_string"], headers.get("content-type", "")
        )
        response = await self._instead(receive, owner, key, fingerprint)
        if response is None:
            await self._carry_out(scope, receive, send, owner, key, fingerprint)
        else:
            await response(scope, receive, send)

    async def _instead(
        self, receive: Receive, owner: str, key: str, fingerprint: Fingerprint
    ) -> ASGIApp | None:
        """What answers in the app's stead (a refusal, or the answer kept for the key); None
        when the request has claimed the key and is to be carried out."""
        if not well_formed(key):
            text = f"{FIELD}: 1 to {MAX_KEY_LENGTH} characters, no NUL"
            return _refusal(422, "validation_error", text)
        try:
            held = await self.requests.claim(owner, key)
        except (DBAPIError, PoolTimeout, OSError):
            log.exception("could not claim an idempotency key")
            return gateway_error_response(
                database_down(self.resources.settings.unavailable_retry_after_s)
            )
        if held is None:
            return None
        if held.status is None:
            text = f"a request with this {HEADER} is still being carried out; retry later"
            return _refusal(409, "idempotency_key_in_use", text, {"Retry-After": "1"})
        await _hash_rest(receive, fingerprint)
        if fingerprint.hexdigest() != held.fingerprint:
            text = (
                f"this {HEADER} was first sent with another request (method, path or body); "
                "a new request needs a new key"
            )
            return _refusal(409, "idempotency_key_reused", text)
        return _replay(held)

    async def _carry_out(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        owner: str,
        key: str,
        fingerprint: Fingerprint,
    ) -> None:
        """Run the request, hashing its body as the app reads it, and keep its answer (or free
        the key)."""
        answer = Answer()

        async def receive_hashed() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                _feed(fingerprint, message)
            return message

        async def send_kept(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.status = message["status"]
                answer.headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                answer.body.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive_hashed, send_kept)
        except BaseException:
            await self._settle(self.requests.release(owner, key))
            raise
        # An answer given before the whole body was read is not known to fit that body.
        if fingerprint.complete and answer.worth_keeping():
            await self._settle(
                self.requests.keep(
                    owner,
                    key,
                    fingerprint.hexdigest(),
                    status=answer.status,
                    headers=answer.headers,
                    body=bytes(answer.body),
                    session_id=answer.session_id(scope["path"]),
                )
            )
        else:
            await self._settle(self.requests.release(owner, key))

    @staticmethod
    async def _settle(done: Awaitable[None]) -> None:
        """Keep or free a key once the client has its answer: a database failure then is only
        logged (a key left claimed is taken over after the lease)."""
        try:
            await done
        except (DBAPIError, PoolTimeout, OSError):
            log.exception("could not settle an idempotency key")


def _refusal(
    status: int, code: str, text: str, headers: Mapping[str, str] | None = None
) -> ASGIApp:
    return error_response(status, code, text, headers, field=FIELD)


def _replay(held: Held) -> ASGIApp:
    """The kept answer, marked as replayed."""
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in held.headers]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        replayed = [*headers, REPLAYED]
        await send({"type": "http.response.start", "status": held.status, "headers": replayed})
        await send({"type": "http.response.body", "body": held.body})

    return app


def _feed(fingerprint: Fingerprint, message: Message) -> None:
    fingerprint.feed(message.get("body", b""), more=message.get("more_body", False))


async def _hash_rest(receive: Receive, fingerprint: Fingerprint) -> None:
    """Hash the rest of the body, not read by the app."""
    while not fingerprint.complete:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away
        _feed(fingerprint, message)


def _key_of(scope: Scope) -> str | None:
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    return Headers(scope=scope).get(HEADER)


def _owner_of(scope: Scope) -> str | None:
    """The key id of the presented API key (checked by the app, not here: a request of an
    unknown key is answered 401, and 401s are not kept)."""
    try:
        token = bearer_token(Headers(scope=scope).get("authorization"))
    except Unauthorized:
        return None
    return key_id_for(hash_key(token))
