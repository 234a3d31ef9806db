"""Routes in a bare app with the gateway's error handlers, on read models in memory and a local
storage, so no database is needed: the data views (rows, downloads, diffs) with the caller's
session given, and the read views (sessions, history, tasks, profiles, data) whose caller is the
one its bearer token names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from fastapi import FastAPI, Request

from modulardata.gateway.api.auth import bearer_token
from modulardata.gateway.api.deps import (
    authenticate,
    get_read_models,
    get_settings,
    get_storage,
    owned_session,
)
from modulardata.gateway.api.error_responses import install_error_handlers
from modulardata.gateway.config import GatewaySettings
from modulardata.gateway.routes import data, diff, profiles, sessions, tasks
from modulardata.storage import LocalStorage
from services.gateway.tests.routes.stored_versions import SESSION, Versions

SETTINGS = GatewaySettings(profile_wait_s=0.3)
"""What the routes are configured with: short waits."""


@pytest.fixture
def versions(tmp_path: Path) -> Versions:
    return Versions(LocalStorage(tmp_path))


def _bare_app(versions: Versions, *routers: ModuleType) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    for module in routers:
        app.include_router(module.router)
    app.dependency_overrides[get_storage] = lambda: versions.storage
    app.dependency_overrides[get_read_models] = lambda: versions.read_models
    app.dependency_overrides[get_settings] = lambda: SETTINGS
    return app


async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {SESSION.owner}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://gateway", headers=headers
    ) as client:
        yield client


@pytest.fixture
async def data_views(versions: Versions) -> AsyncIterator[httpx.AsyncClient]:
    app = _bare_app(versions, data, diff)
    app.dependency_overrides[owned_session] = lambda: SESSION
    async for client in _client(app):
        yield client


def _caller(request: Request) -> str:
    """API keys are not what these tests are about: the bearer token is the caller's id."""
    return bearer_token(request.headers.get("authorization"))


@pytest.fixture
async def read_views(versions: Versions) -> AsyncIterator[httpx.AsyncClient]:
    app = _bare_app(versions, sessions, tasks, profiles, data)
    app.dependency_overrides[authenticate] = _caller
    async for client in _client(app):
        yield client
