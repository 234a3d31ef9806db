"""The data views (rows, downloads, diffs) in a bare app with the gateway's error handlers: the
caller's session is given and its nodes are in read models in memory, so no database is needed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from modulardata.gateway.api.deps import get_read_models, get_storage, owned_session
from modulardata.gateway.api.error_responses import install_error_handlers
from modulardata.gateway.routes import data, diff
from modulardata.storage import LocalStorage
from services.gateway.tests.routes.stored_versions import SESSION, Versions


@pytest.fixture
def versions(tmp_path: Path) -> Versions:
    return Versions(LocalStorage(tmp_path))


@pytest.fixture
async def data_views(versions: Versions) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)
    for module in (data, diff):
        app.include_router(module.router)
    app.dependency_overrides[owned_session] = lambda: SESSION
    app.dependency_overrides[get_storage] = lambda: versions.storage
    app.dependency_overrides[get_read_models] = lambda: versions.read_models
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client
