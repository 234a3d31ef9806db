"""The whole app on a real PostgreSQL, with Kafka faked in memory (skipped without PostgreSQL).

A fake versioning service subscribed to the commands projects sessions the way the real one
would; task, node and chat rows are written straight into the read models.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4, uuid5

import httpx
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from faststream.kafka import TestKafkaBroker
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from modulardata.contracts import topics
from modulardata.contracts.commands import CreateSession, DeleteSession
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.limits import DatasetLimits
from modulardata.contracts.profile import Profile
from modulardata.gateway import cli
from modulardata.gateway.adapters.api_keys import (
    Scope,
    create_api_key,
    hash_key,
    key_id_for,
    revoke_api_key,
)
from modulardata.gateway.adapters.gateway_tables import (
    AcceptedSession,
    AcceptedTask,
    IdempotentRequest,
)
from modulardata.gateway.adapters.link_probes import BackendLinks
from modulardata.gateway.adapters.readmodel_queries import UNSEEN_EXPIRY
from modulardata.gateway.api.deps import Resources
from modulardata.gateway.config import GatewaySettings
from modulardata.gateway.main import create_app
from modulardata.messaging.bus import Bus
from modulardata.profiling.profile import generate_profile
from modulardata.profiling.profiles import store_profile
from modulardata.profiling.prompt import to_prompt
from modulardata.readmodels.views import (
    READ_MODELS,
    ChatLogView,
    NodeView,
    SessionView,
    TaskView,
)
from modulardata.storage import ObjectStorage
from modulardata.storage.layout import profile_key
from tests.support.bombs import wide_csv
from tests.support.postgres import server_url

LOCAL_KEY = "local-test-key"
LOCAL_OWNER = key_id_for(hash_key(LOCAL_KEY))
UNPROJECTED = "never projected"
UNDELETED = "never deleted"
MAX_UPLOAD = 100_000
PUBLISH_TIMEOUT_S = 0.5
NOW = datetime.now(UTC)
PROFILER_ANSWERS: dict[bytes, tuple[str, str | None]] = {
    b"ok,read\n1,2\n": ("succeeded", None),
    b"a,b,c\n": ("failed", "header_only"),
    b"\x89PNG\r\n\x1a\n\x00\x00": ("failed", "not_text"),
    b'a,"b\n': ("failed", "unterminated_quote"),
}
"""What the fake profiler makes of an upload: the task's status and error code."""


@dataclass
class Gateway:
    """The running app and what the test needs to look behind it."""

    client: httpx.AsyncClient
    engine: AsyncEngine
    storage: ObjectStorage
    bus: Bus
    root: Path
    published: list[Envelope]
    links: BackendLinks

    def commands(self, type_: str) -> list[Envelope]:
        return [envelope for envelope in self.published if envelope.type == type_]

    async def add(self, *rows: SQLModel) -> None:
        async with AsyncSession(self.engine) as session:
            session.add_all(rows)
            await session.commit()

    async def new_session(self) -> UUID:
        response = await self.client.post("/v1/sessions", json={"name": "t"})
        assert response.status_code == 201, response.text
        return UUID(response.json()["session_id"])

    async def accepted_tasks(self, session_id: UUID) -> list[AcceptedTask]:
        async with AsyncSession(self.engine) as session:
            statement = select(AcceptedTask).where(AcceptedTask.session_id == session_id)
            return list(await session.exec(statement))

    def uploads(self, session_id: UUID) -> list[Path]:
        folder = self.root / "uploads" / str(session_id)
        return [path for path in folder.rglob("*") if path.is_file()]


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
    async with resources.engine.begin() as conn:
        tables = [SQLModel.metadata.tables[model.__tablename__] for model in READ_MODELS]
        await conn.run_sync(SQLModel.metadata.create_all, tables=tables)
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


def csv_upload(content: bytes, name: str = "data.csv") -> dict[str, Any]:
    return {"files": {"file": (name, content, "text/csv")}}


async def test_health_is_ok(gateway: Gateway) -> None:
    response = await gateway.client.get("/healthz", headers={})
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_a_session_is_created_for_the_local_key(gateway: Gateway) -> None:
    response = await gateway.client.post("/v1/sessions", json={"name": "demo"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"session_id", "name", "created_at"}
    assert body["name"] == "demo"
    assert response.headers["location"] == f"/v1/sessions/{body['session_id']}"
    (command,) = gateway.commands("CreateSession")
    assert str(command.session_id) == body["session_id"]
    assert command.payload["owner"] == LOCAL_OWNER
    assert command.correlation_id != command.session_id


async def test_a_session_needs_no_body(gateway: Gateway) -> None:
    response = await gateway.client.post("/v1/sessions")
    assert response.status_code == 201, response.text
    assert response.json()["name"] is None


async def test_a_session_is_served_before_it_is_projected(gateway: Gateway) -> None:
    response = await gateway.client.post("/v1/sessions", json={"name": UNPROJECTED})
    assert response.status_code == 201, response.text
    created = response.json()
    path = f"/v1/sessions/{created['session_id']}"

    session = (await gateway.client.get(path)).json()
    assert session == {
        **created,
        "updated_at": created["created_at"],
        "head_node_id": None,
        "node_count": 0,
    }
    history = (await gateway.client.get(f"{path}/history")).json()
    assert (history["nodes"], history["messages"]) == ([], [])
    listed = (await gateway.client.get("/v1/sessions")).json()["sessions"]
    assert session in listed
    chat = await gateway.client.post(f"{path}/messages", json={"message": "drop empty rows"})
    assert (chat.status_code, chat.json()["error"]["code"]) == (409, "no_dataset")
    other = {"Authorization": f"Bearer {await create_api_key(gateway.engine, 'other')}"}
    assert (await gateway.client.get(path, headers=other)).status_code == 404


async def test_a_projected_session_keeps_the_date_it_was_accepted(gateway: Gateway) -> None:
    response = await gateway.client.post("/v1/sessions", json={"name": "dated"})
    created = response.json()
    session = (await gateway.client.get(f"/v1/sessions/{created['session_id']}")).json()
    assert session["created_at"] == created["created_at"]
    assert session["updated_at"] >= created["created_at"]


async def test_an_accepted_session_the_log_never_saw_expires(gateway: Gateway) -> None:
    session_id = uuid4()
    await gateway.add(
        AcceptedSession(
            session_id=session_id,
            owner=LOCAL_OWNER,
            created_at=datetime.now(UTC) - UNSEEN_EXPIRY - timedelta(seconds=1),
        )
    )
    response = await gateway.client.get(f"/v1/sessions/{session_id}")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "session_not_found")
    listed = (await gateway.client.get("/v1/sessions")).json()["sessions"]
    assert str(session_id) not in {session["session_id"] for session in listed}


async def test_an_upload_waits_for_its_session_to_be_in_the_log(gateway: Gateway) -> None:
    created = await gateway.client.post("/v1/sessions", json={"name": UNPROJECTED})
    session_id = UUID(created.json()["session_id"])
    upload = asyncio.create_task(
        gateway.client.post(f"/v1/sessions/{session_id}/datasets", **csv_upload(b"a\n1\n"))
    )
    while not gateway.uploads(session_id):  # stored: the gateway now waits for the session
        await asyncio.sleep(0.01)
    assert not upload.done()
    await gateway.add(
        SessionView(session_id=session_id, owner=LOCAL_OWNER, created_at=NOW, updated_at=NOW)
    )
    response = await upload
    assert response.status_code == 202, response.text
    assert [c.session_id for c in gateway.commands("IngestDataset")] == [session_id]


async def test_a_message_right_after_an_upload_waits_for_it(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    upload_id = uuid4()
    await gateway.add(
        AcceptedTask(task_id=upload_id, session_id=session_id, owner=LOCAL_OWNER, kind="upload")
    )
    chat = asyncio.create_task(
        gateway.client.post(f"/v1/sessions/{session_id}/messages", json={"message": "undo that"})
    )
    await asyncio.sleep(0.05)
    assert not chat.done()
    node_id = uuid4()
    async with gateway.engine.begin() as conn:
        await conn.execute(
            update(SessionView)
            .where(col(SessionView.session_id) == session_id)
            .values(head_node_id=node_id)
        )
    await gateway.add(
        TaskView(
            task_id=upload_id,
            session_id=session_id,
            status="succeeded",
            stage="succeeded",
            node_id=node_id,
            events=[],
            created_at=NOW,
            updated_at=NOW,
        )
    )
    response = await chat
    assert response.status_code == 202, response.text
    assert [c.session_id for c in gateway.commands("SendChatMessage")] == [session_id]


async def test_a_message_to_a_session_whose_upload_is_not_read_in_time_is_a_409(
    gateway: Gateway,
) -> None:
    session_id = await gateway.new_session()
    await gateway.add(
        AcceptedTask(task_id=uuid4(), session_id=session_id, owner=LOCAL_OWNER, kind="upload")
    )
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/messages", json={"message": "undo that"}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "dataset_not_ready")
    assert gateway.commands("SendChatMessage") == []


async def test_an_upload_to_a_session_not_in_the_log_in_time_is_a_503(gateway: Gateway) -> None:
    created = await gateway.client.post("/v1/sessions", json={"name": UNPROJECTED})
    session_id = UUID(created.json()["session_id"])
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(b"a\n1\n")
    )
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "session_not_ready"
    assert response.headers["Retry-After"] == "1"
    assert gateway.uploads(session_id) == []
    assert await gateway.accepted_tasks(session_id) == []
    assert gateway.commands("IngestDataset") == []


async def test_an_upload_is_stored_queued_and_followed_to_its_result(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    content = b"id,name\n1,Ann\n2,Bob\n"
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(content, "people.csv")
    )
    assert response.status_code == 202, response.text
    task_id = UUID(response.json()["task_id"])
    assert response.json() == {
        "task_id": str(task_id),
        "session_id": str(session_id),
        "status": "queued",
        "node_id": None,
    }
    assert response.headers["location"] == f"/v1/tasks/{task_id}"

    raw = gateway.root / "uploads" / str(session_id) / str(task_id) / "raw"
    assert raw.read_bytes() == content
    (command,) = gateway.commands("IngestDataset")
    assert (command.correlation_id, command.session_id) == (task_id, session_id)
    assert command.payload == {
        "session_id": str(session_id),
        "upload_uri": raw.as_uri(),
        "filename": "people.csv",
        "byte_size": len(content),
        "content_hash": hashlib.sha256(content).hexdigest(),
    }

    task = (await gateway.client.get(f"/v1/tasks/{task_id}")).json()
    assert (task["status"], task["stage"], task["kind"]) == ("queued", "queued", "upload")
    assert (task["result"], task["error"], task["events"]) == (None, None, [])

    events = [{"type": "TaskProgressed", "stage": "ingesting", "at": NOW.isoformat()}]
    await gateway.add(
        TaskView(
            task_id=task_id,
            session_id=session_id,
            status="running",
            stage="ingesting",
            events=events,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    task = (await gateway.client.get(f"/v1/tasks/{task_id}")).json()
    assert (task["status"], task["stage"], task["events"]) == ("running", "ingesting", events)

    node_id = uuid4()
    async with gateway.engine.begin() as conn:
        await conn.execute(
            update(TaskView)
            .where(col(TaskView.task_id) == task_id)
            .values(status="succeeded", stage="succeeded", node_id=node_id)
        )
    task = (await gateway.client.get(f"/v1/tasks/{task_id}")).json()
    assert (task["status"], task["result"]["node_id"]) == ("succeeded", str(node_id))
    assert task["result"]["plan"] is None  # an upload applies no operations


async def test_a_failed_task_reports_its_error(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(b"a,b\n")
    )
    task_id = UUID(response.json()["task_id"])
    await gateway.add(
        TaskView(
            task_id=task_id,
            session_id=session_id,
            status="failed",
            stage="failed",
            error_code="header_only",
            error="the file has a header but no rows",
            events=[],
            created_at=NOW,
            updated_at=NOW,
        )
    )
    task = (await gateway.client.get(f"/v1/tasks/{task_id}")).json()
    assert task["status"] == "failed"
    assert task["error"] == {"code": "header_only", "message": "the file has a header but no rows"}
    assert task["result"] is None


async def test_a_task_that_did_not_come_through_the_gateway_is_visible_to_its_owner(
    gateway: Gateway,
) -> None:
    session_id, task_id = await gateway.new_session(), uuid4()
    await gateway.add(
        TaskView(
            task_id=task_id,
            session_id=session_id,
            status="running",
            stage="ingesting",
            events=[],
            created_at=NOW,
            updated_at=NOW,
        )
    )
    task = (await gateway.client.get(f"/v1/tasks/{task_id}")).json()
    assert (task["status"], task["kind"]) == ("running", "unknown")


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"", 400, "empty_file"),
        (b"a\n" * MAX_UPLOAD, 413, "upload_too_large"),  # refused from its Content-Length
        (b"a\n" * (MAX_UPLOAD // 2) + b"ab", 413, "upload_too_large"),  # refused while streaming
        (wide_csv(2000), 422, "too_many_columns"),
    ],
)
async def test_a_refused_upload_leaves_nothing_behind(
    gateway: Gateway, content: bytes, status: int, code: str
) -> None:
    session_id = await gateway.new_session()
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(content)
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert gateway.uploads(session_id) == []
    assert await gateway.accepted_tasks(session_id) == []
    assert gateway.commands("IngestDataset") == []


async def test_an_upload_read_in_time_answers_with_its_node(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(b"ok,read\n1,2\n")
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["node_id"] == str(uuid5(UUID(body["task_id"]), "upload"))


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"a,b,c\n", 400, "header_only"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", 415, "not_text"),
        (b'a,"b\n', 422, "unterminated_quote"),
    ],
)
async def test_an_upload_the_profiler_refuses_is_a_4xx_naming_the_problem(
    gateway: Gateway, content: bytes, status: int, code: str
) -> None:
    session_id = await gateway.new_session()
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(content)
    )
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (code, f"refused: {code}")
    task = (await gateway.client.get(f"/v1/tasks/{error['task_id']}")).json()
    assert (task["status"], task["error"]["code"]) == ("failed", code)


async def test_an_upload_without_a_file_part_is_a_422(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", files={"other": ("x.csv", b"a\n1\n")}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "missing_file"


async def test_when_kafka_fails_the_upload_is_undone(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = await gateway.new_session()

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("kafka is down")

    monkeypatch.setattr(gateway.bus.broker, "publish", broken)
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(b"a\n1\n")
    )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "queue_unavailable"
    assert response.headers["Retry-After"] == "2"
    assert await gateway.accepted_tasks(session_id) == []
    assert gateway.uploads(session_id) == []
    sessions = (await gateway.client.get("/v1/sessions")).json()["total"]
    assert (await gateway.client.post("/v1/sessions", json={})).status_code == 503
    assert (await gateway.client.get("/v1/sessions")).json()["total"] == sessions


async def test_while_kafka_is_down_writes_are_refused_at_once_and_reads_go_on(
    gateway: Gateway,
) -> None:
    session_id = await gateway.new_session()
    gateway.links.kafka.up = False
    sent = len(gateway.published)
    for response in (
        await gateway.client.post("/v1/sessions", json={"name": "x"}),
        await gateway.client.post(f"/v1/sessions/{session_id}/datasets", **csv_upload(b"a\n1\n")),
        await gateway.client.delete(f"/v1/sessions/{session_id}"),
    ):
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "queue_unavailable"
        assert response.headers["Retry-After"] == "2"
    assert len(gateway.published) == sent
    assert await gateway.accepted_tasks(session_id) == []
    assert gateway.uploads(session_id) == []
    assert (await gateway.client.get(f"/v1/sessions/{session_id}")).status_code == 200
    assert (await gateway.client.get("/v1/sessions")).status_code == 200


async def test_while_the_database_is_down_every_request_is_refused_at_once(
    gateway: Gateway,
) -> None:
    session_id = await gateway.new_session()
    gateway.links.database.up = False
    for response in (
        await gateway.client.get(f"/v1/sessions/{session_id}"),
        await gateway.client.post("/v1/sessions", json={}),
    ):
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "database_unavailable"
        assert response.headers["Retry-After"] == "2"
    gateway.links.database.up = True
    assert (await gateway.client.get(f"/v1/sessions/{session_id}")).status_code == 200


@pytest.mark.parametrize("delivered", [True, False])
async def test_an_upload_kafka_confirms_too_late_is_kept_until_it_is_known_lost(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, delivered: bool
) -> None:
    session_id = await gateway.new_session()
    delivery: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def held(*args: Any, **kwargs: Any) -> asyncio.Future[None]:
        return delivery

    monkeypatch.setattr(gateway.bus.broker, "publish", held)
    response = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(b"a\n1\n")
    )
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "queue_unconfirmed"
    assert f"GET /v1/tasks/{error['task_id']}" in error["message"]
    assert [task.task_id for task in await gateway.accepted_tasks(session_id)] == [
        UUID(error["task_id"])
    ]
    assert len(gateway.uploads(session_id)) == 1
    if delivered:
        delivery.set_result(None)
    else:
        delivery.set_exception(ConnectionError("the batch expired"))
    kept = 1 if delivered else 0
    for _ in range(100):
        if len(await gateway.accepted_tasks(session_id)) == kept:
            break
        await asyncio.sleep(0.02)
    assert len(await gateway.accepted_tasks(session_id)) == kept
    assert len(gateway.uploads(session_id)) == kept


async def test_a_session_its_history_and_its_data(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    table = pa.table({"id": [1, 2, 3], "city": ["Oslo", None, "Lima, Peru"]})
    key = f"nodes/{session_id}/root.parquet"
    with gateway.storage.writer(key) as sink:
        pq.write_table(table, sink)
    root_id, child_id, message_id = uuid4(), uuid4(), uuid4()
    columns = [{"name": "id", "dtype": "int64"}, {"name": "city", "dtype": "string"}]

    def node(node_id: UUID, parent: UUID | None, by: UUID | None, position: int) -> NodeView:
        return NodeView(
            node_id=node_id,
            session_id=session_id,
            parent_id=parent,
            storage_uri=gateway.storage.uri_for(key),
            content_hash="0" * 64,
            row_count=3,
            column_count=2,
            columns=columns,
            created_by_message_id=by,
            description=f"node {position}",
            created_at=NOW + timedelta(seconds=position),
            position=position,
        )

    chat = ChatLogView(
        chat_message_id=message_id,
        session_id=session_id,
        role="user",
        text="title-case the cities",
        node_id=child_id,
        created_at=NOW,
        position=5,
    )
    await gateway.add(node(child_id, root_id, message_id, 6), node(root_id, None, None, 2), chat)
    async with gateway.engine.begin() as conn:
        await conn.execute(
            update(SessionView)
            .where(col(SessionView.session_id) == session_id)
            .values(head_node_id=child_id)
        )

    session = (await gateway.client.get(f"/v1/sessions/{session_id}")).json()
    assert (session["head_node_id"], session["node_count"]) == (str(child_id), 2)
    assert set(session) == {
        "session_id",
        "name",
        "created_at",
        "updated_at",
        "head_node_id",
        "node_count",
    }

    history = (await gateway.client.get(f"/v1/sessions/{session_id}/history")).json()
    assert history["head_node_id"] == str(child_id)
    nodes = [(n["node_id"], n["parent_id"], n["message"], n["is_head"]) for n in history["nodes"]]
    assert nodes == [
        (str(root_id), None, None, False),
        (str(child_id), str(root_id), "title-case the cities", True),
    ]
    assert history["nodes"][0]["columns"] == columns
    assert [m["chat_message_id"] for m in history["messages"]] == [str(message_id)]

    base = f"/v1/sessions/{session_id}/nodes/{root_id}/data"
    as_csv = await gateway.client.get(base)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert f'filename="{root_id}.csv"' in as_csv.headers["content-disposition"]
    assert list(csv.reader(io.StringIO(as_csv.text))) == [
        ["id", "city"],
        ["1", "Oslo"],
        ["2", ""],
        ["3", "Lima, Peru"],
    ]
    as_parquet = await gateway.client.get(base, params={"format": "parquet"})
    assert as_parquet.headers["content-type"] == "application/vnd.apache.parquet"
    assert pq.read_table(io.BytesIO(as_parquet.content)).equals(table)

    other_session = await gateway.new_session()
    elsewhere = await gateway.client.get(f"/v1/sessions/{other_session}/nodes/{root_id}/data")
    assert elsewhere.json()["error"]["code"] == "node_not_found"


async def test_another_keys_sessions_and_tasks_do_not_exist(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    upload = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", **csv_upload(b"a\n1\n")
    )
    task_id = upload.json()["task_id"]
    other = {"Authorization": f"Bearer {await create_api_key(gateway.engine, 'other')}"}
    for path in (
        f"/v1/sessions/{session_id}",
        f"/v1/sessions/{session_id}/history",
        f"/v1/sessions/{session_id}/nodes/{uuid4()}/data",
        f"/v1/tasks/{task_id}",
    ):
        assert (await gateway.client.get(path, headers=other)).status_code == 404, path
    refused = await gateway.client.post(
        f"/v1/sessions/{session_id}/datasets", headers=other, **csv_upload(b"a\n1\n")
    )
    assert refused.status_code == 404
    assert (await gateway.client.post("/v1/sessions", headers=other)).status_code == 201


async def test_an_unknown_key_is_a_401(gateway: Gateway) -> None:
    response = await gateway.client.get(
        f"/v1/sessions/{uuid4()}", headers={"Authorization": "Bearer not-a-known-key"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.fixture
def cli_database(gateway_database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The CLI's settings point at the test database."""
    monkeypatch.delenv("MODULARDATA_GATEWAY_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", gateway_database_url)
    return gateway_database_url


@pytest.mark.parametrize("command", [["create-key"], ["keys", "create"]])
def test_create_key_prints_a_working_key_once(
    cli_database: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main([*command, "--name", "ci"])
    printed = capsys.readouterr()
    key = printed.out.strip()
    assert len(key) >= 40
    assert key not in printed.err
    with psycopg.connect(cli_database) as conn:
        row = conn.execute(
            "SELECT key_id, name, scope, revoked_at FROM api_keys WHERE key_hash = %s",
            (hash_key(key),),
        ).fetchone()
    assert row == (key_id_for(hash_key(key)), "ci", "read-write", None)


def test_keys_are_listed_and_revoked_by_id(
    cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main(["keys", "create", "--name", "dashboard", "--scope", "read"])
    key_id = key_id_for(hash_key(capsys.readouterr().out.strip()))
    cli.main(["keys", "revoke", key_id])
    assert f"revoked {key_id}" in capsys.readouterr().err
    cli.main(["keys", "list"])
    listed = {
        line.split("\t")[0]: line.split("\t") for line in capsys.readouterr().out.splitlines()
    }
    _, scope, created, revoked, name = listed[key_id]
    assert (scope, name) == ("read", "dashboard")
    assert datetime.fromisoformat(revoked) >= datetime.fromisoformat(created)
    with pytest.raises(SystemExit, match="no API key 'key_unknown'"):
        cli.main(["keys", "revoke", "key_unknown"])


async def test_a_read_only_key_reads_but_may_not_write(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    key = await create_api_key(gateway.engine, "reader", Scope.READ)
    async with gateway.engine.begin() as conn:  # a read-only key cannot make its own session
        await conn.execute(
            update(SessionView)
            .where(col(SessionView.session_id) == session_id)
            .values(owner=key_id_for(hash_key(key)))
        )
    reader = {"Authorization": f"Bearer {key}"}
    assert (
        await gateway.client.get(f"/v1/sessions/{session_id}", headers=reader)
    ).status_code == 200
    for method, path in (
        ("POST", "/v1/sessions"),
        ("POST", f"/v1/sessions/{session_id}/messages"),
        ("POST", f"/v1/sessions/{session_id}/head"),
    ):
        refused = await gateway.client.request(method, path, headers=reader, json={})
        assert refused.status_code == 403, path
        assert refused.json()["error"]["code"] == "forbidden"
    assert len(gateway.commands("CreateSession")) == 1


async def test_a_deleted_session_is_gone_for_its_owner_only(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    path = f"/v1/sessions/{session_id}"
    other = {"Authorization": f"Bearer {await create_api_key(gateway.engine, 'other')}"}
    assert (await gateway.client.delete(path, headers=other)).status_code == 404
    reader = {"Authorization": f"Bearer {await create_api_key(gateway.engine, 'r', Scope.READ)}"}
    assert (await gateway.client.delete(path, headers=reader)).status_code == 403
    assert not gateway.commands("DeleteSession")

    deleted = await gateway.client.delete(path)
    assert (deleted.status_code, deleted.content) == (204, b"")
    (command,) = gateway.commands("DeleteSession")
    assert command.open() == DeleteSession(session_id=session_id, owner=LOCAL_OWNER)
    for gone in (path, f"{path}/history", f"{path}/nodes/{uuid4()}/data"):
        assert (await gateway.client.get(gone)).status_code == 404, gone
    assert (await gateway.client.delete(path)).status_code == 404


async def test_a_deletion_that_takes_long_is_a_202(gateway: Gateway) -> None:
    created = await gateway.client.post("/v1/sessions", json={"name": UNDELETED})
    session_id = created.json()["session_id"]
    pending = await gateway.client.delete(f"/v1/sessions/{session_id}")
    assert (pending.status_code, pending.json()) == (
        202,
        {"session_id": session_id, "status": "deleting"},
    )


async def test_a_revoked_key_is_a_401(gateway: Gateway) -> None:
    key = await create_api_key(gateway.engine, "leaked")
    headers = {"Authorization": f"Bearer {key}"}
    assert (await gateway.client.post("/v1/sessions", headers=headers)).status_code == 201
    assert await revoke_api_key(gateway.engine, key_id_for(hash_key(key)))
    refused = await gateway.client.get("/v1/sessions", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "key_revoked"


async def test_a_nodes_profile_is_served_once_ready_as_json_and_text(gateway: Gateway) -> None:
    session_id, node_id = await gateway.new_session(), uuid4()
    await gateway.add(
        NodeView(
            node_id=node_id,
            session_id=session_id,
            parent_id=None,
            storage_uri="file:///nowhere.parquet",
            content_hash="0" * 64,
            row_count=3,
            column_count=1,
            columns=[{"name": "city", "dtype": "string"}],
            description="upload",
            created_at=NOW,
            position=1,
        )
    )
    path = f"/v1/sessions/{session_id}/nodes/{node_id}/profile"
    waiting = await gateway.client.get(path)
    assert (waiting.status_code, waiting.json()["error"]["code"]) == (404, "profile_not_ready")

    profile = generate_profile(pa.table({"city": ["Oslo", "oslo", None]}))
    uri = store_profile(gateway.storage, profile_key(session_id, node_id), profile)
    async with gateway.engine.begin() as conn:
        await conn.execute(
            update(NodeView).where(col(NodeView.node_id) == node_id).values(profile_uri=uri)
        )
    as_json = await gateway.client.get(path)
    assert as_json.status_code == 200
    assert Profile.model_validate(as_json.json()) == profile
    as_text = await gateway.client.get(path, params={"format": "text"})
    assert as_text.headers["content-type"].startswith("text/plain")
    assert as_text.text == to_prompt(profile, max_tokens=1_000_000)
    assert "'city' has 2 spellings of Oslo" in as_text.text

    other = {"Authorization": f"Bearer {await create_api_key(gateway.engine, 'other')}"}
    assert (await gateway.client.get(path, headers=other)).status_code == 404
    unknown = await gateway.client.get(f"/v1/sessions/{session_id}/nodes/{uuid4()}/profile")
    assert unknown.json()["error"]["code"] == "node_not_found"


async def test_a_session_whose_queue_is_full_answers_429_session_busy(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    limit = GatewaySettings().session_queue_limit
    waiting = [uuid4() for _ in range(limit)]
    await gateway.add(
        *(
            AcceptedTask(task_id=t, session_id=session_id, owner=LOCAL_OWNER, kind="chat")
            for t in waiting
        )
    )
    chat = {"message": "drop rows where age is missing"}

    busy = await gateway.client.post(f"/v1/sessions/{session_id}/messages", json=chat)
    assert busy.status_code == 429, busy.text
    assert busy.json()["error"]["code"] == "session_busy"
    assert busy.headers["Retry-After"] == str(GatewaySettings().session_busy_retry_after_s)

    await gateway.add(
        TaskView(
            task_id=waiting[0],
            session_id=session_id,
            status="succeeded",
            stage="succeeded",
            events=[],
            created_at=NOW,
            updated_at=NOW,
        )
    )
    # A task that ended frees its place: the message is now judged on its merits.
    again = await gateway.client.post(f"/v1/sessions/{session_id}/messages", json=chat)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "no_dataset")


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def test_a_retried_post_with_the_same_key_gets_the_first_answer(gateway: Gateway) -> None:
    key = keyed(str(uuid4()))
    first = await gateway.client.post("/v1/sessions", json={"name": "once"}, headers=key)
    retry = await gateway.client.post("/v1/sessions", json={"name": "once"}, headers=key)
    assert first.status_code == retry.status_code == 201, retry.text
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(gateway.commands("CreateSession")) == 1

    other = {"Authorization": f"Bearer {await create_api_key(gateway.engine, 'other')}", **key}
    theirs = await gateway.client.post("/v1/sessions", json={"name": "once"}, headers=other)
    assert theirs.status_code == 201, theirs.text
    assert theirs.json()["session_id"] != first.json()["session_id"]


async def test_a_retried_message_and_upload_make_one_task_each(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    path = f"/v1/sessions/{session_id}"
    key = keyed("upload-1")
    # httpx draws a new multipart boundary for each request: the same upload all the same.
    uploads = [
        await gateway.client.post(f"{path}/datasets", **csv_upload(b"ok,read\n1,2\n"), headers=key)
        for _ in range(2)
    ]
    assert [upload.status_code for upload in uploads] == [202, 202], uploads[1].text
    assert uploads[0].json() == uploads[1].json()
    assert len(gateway.commands("IngestDataset")) == 1
    assert len(gateway.uploads(session_id)) == 1
    async with gateway.engine.begin() as conn:
        await conn.execute(
            update(SessionView)
            .where(col(SessionView.session_id) == session_id)
            .values(head_node_id=uploads[0].json()["node_id"])
        )

    chat, key = {"message": "drop empty rows"}, keyed("message-1")
    said = [await gateway.client.post(f"{path}/messages", json=chat, headers=key) for _ in "ab"]
    assert [response.status_code for response in said] == [202, 202], said[1].text
    assert said[0].json()["task_id"] == said[1].json()["task_id"]
    assert len(gateway.commands("SendChatMessage")) == 1
    assert len(await gateway.accepted_tasks(session_id)) == 2  # the upload and one message


async def test_the_same_key_with_another_request_is_a_409(gateway: Gateway) -> None:
    key = keyed("reused")
    await gateway.client.post("/v1/sessions", json={"name": "first"}, headers=key)
    for other in (
        gateway.client.post("/v1/sessions", json={"name": "second"}, headers=key),
        gateway.client.post(f"/v1/sessions/{uuid4()}/messages", json={"message": "x"}, headers=key),
    ):
        response = await other
        assert response.status_code == 409, response.text
        error = response.json()["error"]
        assert (error["code"], error["field"]) == (
            "idempotency_key_reused",
            "header.Idempotency-Key",
        )
    assert len(gateway.commands("CreateSession")) == 1


async def test_an_answer_that_accepted_nothing_frees_its_key(gateway: Gateway) -> None:
    session_id = await gateway.new_session()
    chat, key = {"message": "drop empty rows"}, keyed("refused")
    for _ in range(2):
        response = await gateway.client.post(
            f"/v1/sessions/{session_id}/messages", json=chat, headers=key
        )
        assert (response.status_code, response.json()["error"]["code"]) == (409, "no_dataset")
        assert "idempotent-replayed" not in response.headers


@pytest.mark.parametrize("key", ["", "x" * 256])
async def test_a_malformed_key_is_a_422(gateway: Gateway, key: str) -> None:
    response = await gateway.client.post(
        "/v1/sessions", json={"name": "k"}, headers=[(b"Idempotency-Key", key.encode())]
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "header.Idempotency-Key"
    assert gateway.commands("CreateSession") == []


async def test_a_key_held_by_a_running_request_is_a_409_until_its_lease_ends(
    gateway: Gateway,
) -> None:
    lease = timedelta(seconds=GatewaySettings().idempotency_lease_s)
    await gateway.add(IdempotentRequest(owner=LOCAL_OWNER, key="running"))
    busy = await gateway.client.post("/v1/sessions", headers=keyed("running"))
    assert busy.status_code == 409, busy.text
    assert busy.json()["error"]["code"] == "idempotency_key_in_use"
    assert busy.headers["Retry-After"] == "1"

    # A gateway that died mid-request leaves its claim: the retry after the lease runs.
    stale = datetime.now(UTC) - lease - timedelta(seconds=1)
    await gateway.add(IdempotentRequest(owner=LOCAL_OWNER, key="orphan", created_at=stale))
    taken = await gateway.client.post("/v1/sessions", headers=keyed("orphan"))
    assert taken.status_code == 201, taken.text


async def test_a_kept_answer_expires(gateway: Gateway) -> None:
    ttl = timedelta(seconds=GatewaySettings().idempotency_ttl_s)
    old = datetime.now(UTC) - ttl - timedelta(seconds=1)
    await gateway.add(
        IdempotentRequest(
            owner=LOCAL_OWNER, key="old", fingerprint="x", status=201, body=b"{}", created_at=old
        )
    )
    response = await gateway.client.post("/v1/sessions", headers=keyed("old"))
    assert response.status_code == 201, response.text
    assert "session_id" in response.json()


async def test_a_kept_answer_names_its_session_for_the_purge(gateway: Gateway) -> None:
    first = await gateway.client.post("/v1/sessions", headers=keyed("named"))
    async with AsyncSession(gateway.engine) as session:
        kept = await session.get(IdempotentRequest, (LOCAL_OWNER, "named"))
    assert kept is not None and str(kept.session_id) == first.json()["session_id"]
