"""Sessions: created, served at once, listed with their history and data, owned, deleted; what
is only read is served from read models in memory, the rest by the whole app on PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx
import pyarrow as pa
import pyarrow.parquet as pq

from modulardata.contracts.commands import DeleteSession
from modulardata.gateway.adapters.api_keys import Scope, create_api_key
from modulardata.gateway.adapters.gateway_tables import AcceptedSession
from modulardata.gateway.application.read_models import UNSEEN_EXPIRY
from modulardata.readmodels.views import ChatLogView, NodeView, SessionView
from services.gateway.tests.harness import (
    LOCAL_OWNER,
    NOW,
    UNDELETED,
    UNPROJECTED,
    Gateway,
    csv_upload,
)
from services.gateway.tests.routes.stored_versions import SESSION, Versions


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


async def test_an_accepted_session_the_log_never_saw_expires(
    read_views: httpx.AsyncClient, versions: Versions
) -> None:
    lost, fresh = uuid4(), uuid4()
    long_ago = datetime.now(UTC) - UNSEEN_EXPIRY - timedelta(seconds=1)
    versions.read_models.add(
        AcceptedSession(session_id=lost, owner=SESSION.owner, created_at=long_ago),
        AcceptedSession(session_id=fresh, owner=SESSION.owner),
    )
    response = await read_views.get(f"/v1/sessions/{lost}")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "session_not_found")
    assert (await read_views.get(f"/v1/sessions/{fresh}")).status_code == 200
    listed = (await read_views.get("/v1/sessions")).json()["sessions"]
    assert [session["session_id"] for session in listed] == [str(fresh)]


async def test_a_session_its_history_and_its_data(
    read_views: httpx.AsyncClient, versions: Versions
) -> None:
    table = pa.table({"id": [1, 2, 3], "city": ["Oslo", None, "Lima, Peru"]})
    session_id = SESSION.session_id
    key = f"nodes/{session_id}/root.parquet"
    with versions.storage.writer(key) as sink:
        pq.write_table(table, sink)
    root_id, child_id, message_id = uuid4(), uuid4(), uuid4()
    columns = [{"name": "id", "dtype": "int64"}, {"name": "city", "dtype": "string"}]

    def node(node_id: UUID, parent: UUID | None, by: UUID | None, position: int) -> NodeView:
        return NodeView(
            node_id=node_id,
            session_id=session_id,
            parent_id=parent,
            storage_uri=versions.storage.uri_for(key),
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
    other_session = SessionView(
        session_id=uuid4(), owner=SESSION.owner, created_at=NOW, updated_at=NOW
    )
    versions.read_models.add(
        SESSION.model_copy(update={"head_node_id": child_id}),
        other_session,
        node(child_id, root_id, message_id, 6),
        node(root_id, None, None, 2),
        chat,
    )

    session = (await read_views.get(f"/v1/sessions/{session_id}")).json()
    assert (session["head_node_id"], session["node_count"]) == (str(child_id), 2)
    assert set(session) == {
        "session_id",
        "name",
        "created_at",
        "updated_at",
        "head_node_id",
        "node_count",
    }

    history = (await read_views.get(f"/v1/sessions/{session_id}/history")).json()
    assert history["head_node_id"] == str(child_id)
    nodes = [(n["node_id"], n["parent_id"], n["message"], n["is_head"]) for n in history["nodes"]]
    assert nodes == [
        (str(root_id), None, None, False),
        (str(child_id), str(root_id), "title-case the cities", True),
    ]
    assert history["nodes"][0]["columns"] == columns
    assert [m["chat_message_id"] for m in history["messages"]] == [str(message_id)]

    base = f"/v1/sessions/{session_id}/nodes/{root_id}/data"
    as_csv = await read_views.get(base)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert f'filename="{root_id}.csv"' in as_csv.headers["content-disposition"]
    assert list(csv.reader(io.StringIO(as_csv.text))) == [
        ["id", "city"],
        ["1", "Oslo"],
        ["2", ""],
        ["3", "Lima, Peru"],
    ]
    as_parquet = await read_views.get(base, params={"format": "parquet"})
    assert as_parquet.headers["content-type"] == "application/vnd.apache.parquet"
    assert pq.read_table(io.BytesIO(as_parquet.content)).equals(table)

    elsewhere = await read_views.get(
        f"/v1/sessions/{other_session.session_id}/nodes/{root_id}/data"
    )
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
