"""Dead letters on the real stack: a message no consumer can handle fails its task at once,
the session goes on, and an operator lists, reads and replays it with `modulardata-admin`."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from typing import Any

import httpx
import psycopg
from prometheus_client.parser import text_string_to_metric_families
from psycopg.rows import dict_row

from modulardata.contracts import topics
from modulardata.contracts.envelope import Envelope
from tests.integration.conftest import TASK_TIMEOUT_S, new_session, upload, wait_for, wait_task
from tests.support import kafka
from tests.support.stack import BIN, Stack

DATA = b"name,age\nAda,36\nAda,36\nBob,\n"


def _ready_session(client: httpx.Client) -> str:
    session_id = new_session(client)
    uploaded = wait_task(client, upload(client, session_id, DATA).json()["task_id"])
    assert uploaded["status"] == "succeeded", uploaded
    return session_id


def _say(client: httpx.Client, session_id: str, message: str) -> str:
    posted = client.post(f"/v1/sessions/{session_id}/messages", json={"message": message})
    assert posted.status_code == 202, posted.text
    task_id: str = posted.json()["task_id"]
    return task_id


def _poison(stack: Stack, base_topic: str, type_: str, session_id: str, task_id: str) -> None:
    """A message of a known type whose payload no consumer can take (a NUL in a field the type
    does not have), sent straight to the topic."""
    envelope = Envelope(
        type=type_,
        schema_version=1,
        correlation_id=uuid.UUID(task_id),
        session_id=uuid.UUID(session_id),
        payload={"session_id": session_id, "smuggled": "a\x00b"},
    )
    kafka.run(kafka.send_envelopes(stack.kafka, stack.topic_prefix + base_topic, [envelope]))


def _letters(stack: Stack, task_id: str) -> list[dict[str, Any]]:
    with psycopg.connect(stack.database_url, row_factory=dict_row) as conn:
        return conn.execute(
            "SELECT * FROM dead_letters WHERE task_id = %s ORDER BY dead_lettered_at", (task_id,)
        ).fetchall()


def _admin(stack: Stack, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "modulardata-admin"), "dead-letters", *argv],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _gauge(client: httpx.Client) -> float:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    [family] = [
        f
        for f in text_string_to_metric_families(response.text)
        if f.name == "modulardata_dead_letters"
    ]
    return float(family.samples[0].value)


def _waiting(stack: Stack) -> int:
    with psycopg.connect(stack.database_url) as conn:
        row = conn.execute("SELECT count(*) FROM dead_letters WHERE replayed_at IS NULL").fetchone()
    assert row is not None
    return int(row[0])


def test_a_running_task_whose_report_is_dead_lettered_fails_at_once(
    stack: Stack, client: httpx.Client
) -> None:
    session_id = _ready_session(client)
    agents = stack.services["agents"]
    agents.stop()  # the task then waits for its plan, as if the agents were slow
    try:
        task_id = _say(client, session_id, "remove duplicates")
        with psycopg.connect(stack.database_url, autocommit=True) as conn:
            wait_for(
                lambda: conn.execute(
                    "SELECT 1 FROM events WHERE type = 'TaskStarted'"
                    " AND metadata->>'correlation_id' = %s",
                    (task_id,),
                ).fetchone(),
                what="the task to start",
            )
        sent = time.monotonic()
        _poison(stack, topics.AGENTS_EVENTS, "TransformationPlanned", session_id, task_id)

        failed = wait_task(client, task_id, timeout_s=TASK_TIMEOUT_S)
        waited = time.monotonic() - sent
    finally:
        agents.start()
    assert (failed["status"], failed["error"]["code"]) == ("failed", "dead_lettered"), failed
    assert waited < 10, f"failed after {waited:.1f} s"
    assert "the versioning service could not read it" in failed["error"]["message"]
    [letter] = _letters(stack, task_id)
    assert (letter["code"], letter["group_id"]) == (
        "undecodable",
        "modulardata-versioning.agents-events",
    )
    assert str(letter["dead_letter_id"]) in failed["error"]["message"]

    after = wait_task(client, _say(client, session_id, "remove duplicates"), timeout_s=120)
    assert after["status"] == "succeeded", after


def test_an_operator_lists_shows_and_replays_a_dead_letter(
    stack: Stack, client: httpx.Client
) -> None:
    session_id = _ready_session(client)
    task_id = str(uuid.uuid4())
    _poison(stack, topics.VERSIONING_COMMANDS, "SendChatMessage", session_id, task_id)

    failed = wait_task(client, task_id, timeout_s=15)
    assert (failed["status"], failed["error"]["code"]) == ("failed", "dead_lettered"), failed
    [letter] = _letters(stack, task_id)
    letter_id = str(letter["dead_letter_id"])
    assert letter["topic"] == stack.topic_prefix + topics.VERSIONING_COMMANDS
    assert b"a\\u0000b" in letter["body"]

    listed = _admin(stack, "list")
    assert listed.returncode == 0, listed.stderr
    [row] = [line for line in listed.stdout.splitlines() if line.startswith(letter_id)]
    assert row.split()[2:] == [
        letter["topic"],
        "SendChatMessage",
        "undecodable",
        session_id,
        task_id,
        "0",
        "-",
    ]
    as_json = json.loads(_admin(stack, "list", "--json").stdout)
    assert letter_id in {entry["dead_letter_id"] for entry in as_json}
    shown = _admin(stack, "show", letter_id)
    assert shown.returncode == 0, shown.stderr
    assert "reason    undecodable:" in shown.stdout and '"smuggled": "a\\u0000b"' in shown.stdout
    wait_for(lambda: _gauge(client) == _waiting(stack), what="the gauge to count the dead letters")

    replayed = _admin(stack, "replay", letter_id)
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.strip() == f"replayed {letter_id} to {letter['topic']}"
    # The very same message went back to its topic: versioning gives up on it again, at a new
    # offset; its task stays failed.
    again = wait_for(lambda: len(rows := _letters(stack, task_id)) == 2 and rows, what="the replay")
    assert again[0]["replayed_at"] is not None and again[1]["replayed_at"] is None
    assert again[1]["original_message_id"] == letter["original_message_id"]
    where = [(row["kafka_partition"], row["kafka_offset"]) for row in again]
    assert where[0] != where[1]
    wait_for(lambda: _gauge(client) == _waiting(stack), what="the gauge to leave out the replayed")
    assert client.get(f"/v1/tasks/{task_id}").json()["error"]["code"] == "dead_lettered"

    assert wait_task(client, _say(client, session_id, "remove duplicates"))["status"] == "succeeded"
