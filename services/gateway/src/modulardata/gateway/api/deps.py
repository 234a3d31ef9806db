"""FastAPI dependencies, as `Annotated` aliases: the app's resources, the caller, owned objects.

Each is a coroutine function, even where it awaits nothing: FastAPI runs a plain function
dependency in its thread pool, a hand-off per dependency per request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.gateway.adapters.api_keys import caller_of
from modulardata.gateway.adapters.link_probes import BackendLinks
from modulardata.gateway.adapters.metrics import GatewayMetrics
from modulardata.gateway.adapters.rate_limits import RateLimits
from modulardata.gateway.api.auth import bearer_token
from modulardata.gateway.application import read_models
from modulardata.gateway.application.read_models import OwnedTask, ReadModels
from modulardata.gateway.config import GatewaySettings
from modulardata.gateway.exceptions import Forbidden, NotFound, Unauthorized
from modulardata.messaging.bus import Bus
from modulardata.readmodels.views import SessionView
from modulardata.storage import ObjectStorage


@dataclass(frozen=True)
class Resources:
    """What the composition root built for the request handlers."""

    settings: GatewaySettings
    engine: AsyncEngine
    reads: AsyncEngine
    """The engine's pool in autocommit, for lone reads: no BEGIN and ROLLBACK around them."""
    read_models: ReadModels
    storage: ObjectStorage
    bus: Bus
    metrics: GatewayMetrics
    rate_limits: RateLimits
    links: BackendLinks


bearer_scheme = HTTPBearer(auto_error=False, description="An API key: `Bearer <key>`.")
"""Declares the scheme in the OpenAPI document; `authenticate` does the checking."""


async def get_resources(request: Request) -> Resources:
    """The app's resources."""
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def get_settings(resources: ResourcesDep) -> GatewaySettings:
    """The gateway's settings."""
    return resources.settings


async def get_engine(resources: ResourcesDep) -> AsyncEngine:
    """The database engine."""
    return resources.engine


async def get_read_models(resources: ResourcesDep) -> ReadModels:
    """The read models (and the gateway's records of what it accepted)."""
    return resources.read_models


async def get_storage(resources: ResourcesDep) -> ObjectStorage:
    """The object storage."""
    return resources.storage


async def get_bus(resources: ResourcesDep) -> Bus:
    """The Kafka bus."""
    return resources.bus


SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]
EngineDep = Annotated[AsyncEngine, Depends(get_engine)]
ReadModelsDep = Annotated[ReadModels, Depends(get_read_models)]
StorageDep = Annotated[ObjectStorage, Depends(get_storage)]
BusDep = Annotated[Bus, Depends(get_bus)]


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing, so a read-only key may use them."""


async def authenticate(request: Request, resources: ResourcesDep) -> str:
    """The id of the caller's API key; Unauthorized unless the key is known and not revoked,
    Forbidden when a read-only key asks to change something."""
    token = bearer_token(request.headers.get("authorization"))
    caller = await caller_of(resources.reads, token)
    if caller is None:
        raise Unauthorized("unknown API key")
    if caller.revoked:
        raise Unauthorized("this API key has been revoked", code="key_revoked")
    if request.method not in READ_METHODS and not caller.can_write:
        raise Forbidden(f"this API key is read-only; {request.method} needs a read-write key")
    return caller.key_id


OwnerDep = Annotated[str, Depends(authenticate)]


def parse_id(value: str, what: str) -> UUID:
    """A path id as a UUID; a malformed id names nothing, so it is NotFound."""
    try:
        return UUID(value)
    except ValueError:
        raise NotFound(f"{what} {value!r} not found", code=f"{what}_not_found") from None


async def owned_session(session_id: str, owner: OwnerDep, rows: ReadModelsDep) -> SessionView:
    """The session in the path, if it belongs to the caller."""
    return await read_models.owned_session(rows, parse_id(session_id, "session"), owner)


async def owned_task(task_id: str, owner: OwnerDep, rows: ReadModelsDep) -> OwnedTask:
    """The task in the path, if it belongs to the caller."""
    return await read_models.owned_task(rows, parse_id(task_id, "task"), owner)


SessionDep = Annotated[SessionView, Depends(owned_session)]
TaskDep = Annotated[OwnedTask, Depends(owned_task)]
