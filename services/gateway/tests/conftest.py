"""The `gateway` fixture: the whole app on a real PostgreSQL (skipped without one), Kafka faked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid5

import httpx
import psycopg
import pytest
from faststream.kafka import TestKafkaBroker
from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from modulardata.contracts import topics
from modulardata.contracts.commands import CreateSession, DeleteSession
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.limits import DatasetLimits
from modulardata.gateway.adapters.gateway_tables import AcceptedSession
from modulardata.gateway.api.deps import Resources
from modulardata.gateway.config import GatewaySettings
from modulardata.gateway.main import create_app
from modulardata.readmodels.views import SessionView, TaskView
from services.gateway.tests.harness import (
    LOCAL_KEY,
    MAX_UPLOAD,
    PROFILER_ANSWERS,
    PUBLISH_TIMEOUT_S,
    UNDELETED,
    UNPROJECTED,
    Gateway,
)
from tests.support.postgres import server_url


@pytest.fixture(scope="module")
def gateway_database_url(request: pytest.FixtureRequest) -> str:
    """The run's fresh database, or a skip when no PostgreSQL answers."""
    try:
        psycopg.connect(server_url(), connect_timeout=2).close()
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL reachable for the end-to-end gateway tests")
    url: str = request.getfixturevalue("database_url")
    return url


@pytest.fixture
async def gateway(gateway_database_url: str, tmp_path: Path) -> AsyncIterator[Gateway]:
    settings = GatewaySettings(
        database_url=gateway_database_url,
        storage_url=tmp_path.as_uri(),
        create_topics=False,
        api_key=LOCAL_KEY,
        session_wait_s=0.3,
        upload_wait_s=0.3,
        limits=DatasetLimits(upload_bytes=MAX_UPLOAD),
        publish_timeout_s=PUBLISH_TIMEOUT_S,
    )
    app = create_app(settings)
    resources: Resources = app.state.resources
    published: list[Envelope] = []
    bus = resources.bus

    @bus.broker.subscriber(bus.topic(topics.VERSIONING_COMMANDS))
    async def fake_versioning(body: dict[str, Any]) -> None:
        envelope = Envelope.model_validate(body)
        published.append(envelope)
        command = envelope.open()
        if isinstance(command, DeleteSession):
            async with resources.engine.begin() as conn:
                projected = await conn.execute(
                    delete(SessionView).where(
                        col(SessionView.session_id) == command.session_id,
                        col(SessionView.name).is_distinct_from(UNDELETED),
                    )
                )
                if projected.rowcount:  # the projector purges the gateway's rows with the views
                    await conn.execute(
                        delete(AcceptedSession).where(
                            col(AcceptedSession.session_id) == command.session_id
                        )
                    )
            return
        if isinstance(command, CreateSession) and command.name != UNPROJECTED:
            now = datetime.now(UTC)
            async with AsyncSession(resources.engine) as session:
                session.add(
                    SessionView(
                        session_id=command.session_id,
                        owner=command.owner,
                        name=command.name,
                        created_at=now,
                        updated_at=now,
                    )
                )
                await session.commit()

    @bus.broker.subscriber(bus.topic(topics.PROFILER_COMMANDS))
    async def fake_profiler(body: dict[str, Any]) -> None:
        envelope = Envelope.model_validate(body)
        published.append(envelope)
        with resources.storage.open(envelope.payload["upload_uri"]) as upload:
            content = upload.read()
        outcome = PROFILER_ANSWERS.get(content)
        if outcome is not None:
            now = datetime.now(UTC)
            status, code = outcome
            async with AsyncSession(resources.engine) as session:
                session.add(
                    TaskView(
                        task_id=envelope.correlation_id,
                        session_id=envelope.session_id,
                        status=status,
                        stage=status,
                        node_id=uuid5(envelope.correlation_id, "upload") if code is None else None,
                        error_code=code,
                        error=f"refused: {code}" if code else None,
                        events=[],
                        created_at=now,
                        updated_at=now,
                    )
                )
                await session.commit()

    headers = {"Authorization": f"Bearer {LOCAL_KEY}"}
    async with TestKafkaBroker(bus.broker), app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gateway", headers=headers
        ) as client:
            yield Gateway(
                client,
                resources.engine,
                resources.storage,
                bus,
                tmp_path,
                published,
                resources.links,
            )
