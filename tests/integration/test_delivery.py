"""At-least-once delivery without duplicates: redelivery, crashes and poison messages."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

import httpx
import psycopg

from modulardata.contracts import topics
from modulardata.contracts.commands import IngestDataset
from modulardata.contracts.deadletters import MessageDeadLettered
from modulardata.contracts.envelope import Envelope
from tests.integration.conftest import new_session, upload, wait_for, wait_task
from tests.support import kafka
from tests.support.stack import Stack


def _event_counts(stack: Stack, session_id: str) -> dict[str, int]:
    with psycopg.connect(stack.database_url) as conn:
        rows = conn.execute(
            "SELECT type, count(*) FROM events WHERE metadata->>'session_id' = %s GROUP BY type",
            (session_id,),
        ).fetchall()
    return dict(rows)


def _raw_upload(stack: Stack, session_id: str, content: bytes) -> str:
    """Put bytes where the gateway would and return their storage URI."""
    path = stack.workdir / "storage" / "uploads" / session_id / f"{uuid.uuid4().hex}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return Path(path).as_uri()


def test_a_redelivered_command_adds_no_events(stack: Stack, client: httpx.Client) -> None:
    session_id = new_session(client)
    task_id = uuid.uuid4()
    command = Envelope.wrap(
        IngestDataset(
            session_id=uuid.UUID(session_id),
            upload_uri=_raw_upload(stack, session_id, b"a,b\n1,2\n3,4\n"),
            filename="again.csv",
            byte_size=12,
            content_hash="0" * 64,
        ),
        session_id=uuid.UUID(session_id),
        correlation_id=task_id,
    )
    topic = stack.topic_prefix + topics.PROFILER_COMMANDS
    kafka.run(kafka.send_envelopes(stack.kafka, topic, [command, command]))
    wait_task(client, str(task_id))
    kafka.run(kafka.send_envelopes(stack.kafka, topic, [command]))

    def reports() -> list[str]:
        """Ids of the profiler's reports for this task, once it answered every delivery."""
        records = kafka.run(
            kafka.read_all(stack.kafka, stack.topic_prefix + topics.PROFILER_EVENTS, idle_s=1)
        )
        mine = [r for r in records if r["correlation_id"] == str(task_id)]
        done = sum(r["type"] == "DatasetIngested" for r in mine) == 3
        return sorted({r["message_id"] for r in mine}) if done else []

    report_ids = wait_for(reports, what="the profiler answering all three deliveries")
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        wait_for(
            lambda: (
                conn.execute(
                    "SELECT count(*) FROM processed_messages WHERE message_id = ANY(%s::uuid[])",
                    (report_ids,),
                ).fetchone()
                == (len(report_ids),)
            ),
            what="versioning handling every report",
        )
    counts = _event_counts(stack, session_id)
    assert counts["VersionCommitted"] == 1
    assert counts["HeadMoved"] == 1
    assert counts["TaskSucceeded"] == 1
    history = client.get(f"/v1/sessions/{session_id}/history").json()
    assert len(history["nodes"]) == 1


def test_killing_consumers_mid_stream_loses_nothing(stack: Stack, client: httpx.Client) -> None:
    session_ids = [new_session(client) for _ in range(6)]
    tasks = []
    for i, session_id in enumerate(session_ids):
        body = f"id,value\n{i},{i * 10}\n".encode()
        tasks.append(upload(client, session_id, body).json()["task_id"])
        if i == 1:
            stack.services["versioning"].kill()
        if i == 3:
            stack.services["profiler"].kill()
    stack.services["versioning"].start()
    stack.services["profiler"].start()
    finished = [wait_task(client, task_id, timeout_s=120) for task_id in tasks]
    assert [t["status"] for t in finished] == ["succeeded"] * len(tasks)
    for session_id in session_ids:
        counts = _event_counts(stack, session_id)
        assert counts["VersionCommitted"] == 1, counts
        assert counts["SessionCreated"] == 1, counts
        assert len(client.get(f"/v1/sessions/{session_id}/history").json()["nodes"]) == 1


def test_a_poison_message_does_not_stop_the_consumer(stack: Stack, client: httpx.Client) -> None:
    topic = stack.topic_prefix + topics.PROFILER_COMMANDS
    session_id = new_session(client)
    poison = [(session_id.encode(), b"\x00not json"), (session_id.encode(), b'{"type": 1}')]
    kafka.run(kafka.produce(stack.kafka, topic, poison))
    task = wait_task(client, upload(client, session_id, b"a\n1\n").json()["task_id"])
    assert task["status"] == "succeeded"
    dead = kafka.run(kafka.read_all(stack.kafka, stack.topic_prefix + topics.DEAD_LETTERS))
    letters = [MessageDeadLettered.model_validate(d["payload"]) for d in dead]
    assert {letter.topic for letter in letters} >= {topic}
    assert {letter.code for letter in letters} == {"undecodable"}
    assert any(base64.b64decode(letter.body_base64).endswith(b"not json") for letter in letters)
