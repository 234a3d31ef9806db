"""Chat messages: sent once the session's upload is read."""

from __future__ import annotations

import asyncio
from uuid import uuid4

from sqlalchemy import update
from sqlmodel import col

from modulardata.gateway.adapters.gateway_tables import AcceptedTask
from modulardata.readmodels.views import SessionView, TaskView
from services.gateway.tests.harness import LOCAL_OWNER, NOW, Gateway


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
