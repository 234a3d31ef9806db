"""The data views (rows, downloads, diffs) in a bare app with the gateway's error handlers: the
caller's session is given and nodes are looked up in memory, so no database is needed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from modulardata.gateway.adapters import readmodel_queries
from modulardata.gateway.api.deps import get_engine, get_storage, owned_session
from modulardata.gateway.api.error_responses import install_error_handlers
from modulardata.gateway.routes import data, diff
from modulardata.storage import LocalStorage
from services.gateway.tests.routes.stored_versions import SESSION, Versions


@pytest.fixture
def versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Versions:
    versions = Versions(LocalStorage(tmp_path))
    monkeypatch.setattr(readmodel_queries, "session_node", versions.session_node)
    return versions


@pytest.fixture
async def data_views(versions: Versions) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)
    for module in (data, diff):
        app.include_router(module.router)
    app.dependency_overrides[owned_session] = lambda: SESSION
    app.dependency_overrides[get_storage] = lambda: versions.storage
    app.dependency_overrides[get_engine] = lambda: None
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client
