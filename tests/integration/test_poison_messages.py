"""No message stalls its partition: hostile records of every message type, sent raw onto every
topic of the real stack, are handled or dead-lettered, and the next ordinary message on the
same key is handled within seconds by every consumer group that reads the topic.

Each example takes a fresh session with a dataset (so hostile chat messages, uploads and task
reports reach deep into the handlers) and sends, keyed by it, two hostile records of every
message type (one with hostile text that still decodes, one with any hostile values) each onto
a drawn topic, then an ordinary message per topic on the same key. It then waits until
every group reading a topic has committed past the ordinary one, no group dead-lettered it, the
log's projector and relay have caught up, and every service still runs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from modulardata.contracts import topics
from modulardata.contracts.base import Message, registered_types
from modulardata.contracts.commands import CreateSession, DeleteSession
from modulardata.contracts.deadletters import MessageDeadLettered
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import DatasetIngested
from modulardata.contracts.values import ColumnSchema
from modulardata.storage import open_storage
from tests.integration.conftest import wait_for
from tests.support.consumergroups import MAX_RECORD_BYTES, RawKafka, Sent, TopicReader
from tests.support.hostile import (
    broken_records,
    decodes,
    encoded,
    envelope_document,
    with_hostile_text,
    with_hostile_values,
)
from tests.support.messages import example_of
from tests.support.stack import Stack

HANDLED_WITHIN_S = 15.0
"""How soon the ordinary messages after the hostile ones must be handled: far below the retry
budget (120 s), so a message retried as if its failure were transient fails the test."""

READS_WITHIN_S = 45.0
"""How soon the ordinary messages after five unreadable uploads must be handled."""

EXAMPLES = 5
"""Examples of each property; every example sends hostile records of every type."""

OWNER = "poison-test"

PROBES = {
    topics.VERSIONING_COMMANDS: "SendChatMessage",
    topics.PROFILER_COMMANDS: "IngestDataset",
    topics.PROFILER_EVENTS: "IngestionFailed",
    topics.EXECUTOR_COMMANDS: "ExecuteTransformation",
    topics.EXECUTOR_EVENTS: "TransformationExecuted",
    topics.AGENTS_COMMANDS: "PlanChatMessage",
    topics.AGENTS_EVENTS: "ClarificationRequested",
    topics.EVENTS: "SessionCreated",
    topics.DEAD_LETTERS: "MessageDeadLettered",
}
"""The ordinary message sent on each topic after the hostile one: one its consumers act on."""

POISON = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # shrinking a batch on the stack takes minutes
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass
class Rig:
    """The stack under attack, and what the test needs to send to it and watch it."""

    stack: Stack
    kafka: RawKafka
    dead_letters: TopicReader
    subscriptions: dict[str, frozenset[str]]
    head_uri: str
    sent: set[Sent] = field(default_factory=set)
    sessions: list[UUID] = field(default_factory=list)

    def topic(self, base: str) -> str:
        return self.stack.topic_prefix + base

    def send(self, records: list[tuple[str, Envelope | bytes]], session_id: UUID) -> list[Sent]:
        """Send records (base topic, envelope or raw body) in order, keyed by the session."""
        key = str(session_id).encode()
        sent = self.kafka.send(
            [(self.topic(base), key, _body(envelope_or_body)) for base, envelope_or_body in records]
        )
        self.sent.update(sent)
        return sent

    def new_dead_letters(self) -> list[MessageDeadLettered]:
        """The dead letters the services sent since the last call (not those this test sent
        onto the dead-letter topic itself)."""
        letters = [v for where, v in self.dead_letters.read_new() if where not in self.sent]
        return [
            MessageDeadLettered.model_validate(Envelope.model_validate_json(v).payload)
            for v in letters
        ]

    def readers_of(self, topic: str) -> list[str]:
        return sorted(g for g, read in self.subscriptions.items() if topic in read)

    def session_with_dataset(self) -> UUID:
        """A new session whose head is a small dataset, made through the versioning service."""
        session_id, node_id = uuid4(), uuid4()
        self.sessions.append(session_id)
        created = CreateSession(session_id=session_id, owner=OWNER, name="poison")
        self.send([(topics.VERSIONING_COMMANDS, _wrap(created, session_id))], session_id)
        wait_for(lambda: self._head(session_id) is not None, timeout_s=30, what="session")
        ingested = DatasetIngested(
            session_id=session_id,
            node_id=node_id,
            filename="head.parquet",
            upload_uri=self.head_uri,
            storage_uri=self.head_uri,
            content_hash="0" * 64,
            row_count=2,
            column_count=1,
            columns=(ColumnSchema(name="city", dtype="string"),),
        )
        self.send([(topics.PROFILER_EVENTS, _wrap(ingested, session_id))], session_id)
        wait_for(lambda: self._head(session_id) == (node_id,), timeout_s=30, what="dataset")
        return session_id

    def delete_sessions(self) -> None:
        """Delete every session the test made, so none of its versions (never profiled: the
        test plays the profiler) is left for later tests of the shared stack to wait on."""
        for session_id in self.sessions:
            self.send(
                [
                    (
                        topics.VERSIONING_COMMANDS,
                        _wrap(DeleteSession(session_id=session_id), session_id),
                    )
                ],
                session_id,
            )

        def gone() -> bool:
            with psycopg.connect(self.stack.database_url) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM sessions WHERE session_id = ANY(%s)", (self.sessions,)
                ).fetchone()
            return row == (0,)

        wait_for(gone, timeout_s=60, what="the test's sessions deleted")

    def _head(self, session_id: UUID) -> tuple[Any, ...] | None:
        with psycopg.connect(self.stack.database_url) as conn:
            return conn.execute(
                "SELECT head_node_id FROM sessions WHERE session_id = %s", (session_id,)
            ).fetchone()

    def log_followed(self) -> bool:
        """True once the projector and the relay have caught up with the log."""
        with psycopg.connect(self.stack.database_url) as conn:
            row = conn.execute(
                "SELECT (SELECT coalesce(max(position), 0) FROM events),"
                " (SELECT position FROM projection_checkpoints WHERE name = 'read_models'),"
                " (SELECT position FROM relay_checkpoints WHERE name = 'kafka')"
            ).fetchone()
        assert row is not None
        return bool(row[0] == row[1] == row[2])


def _body(envelope_or_body: Envelope | bytes) -> bytes:
    if isinstance(envelope_or_body, Envelope):
        return envelope_or_body.model_dump_json().encode()
    return envelope_or_body


def _wrap(message: Message, session_id: UUID) -> Envelope:
    return Envelope.wrap(message, session_id=session_id, correlation_id=uuid4())


def _subscriptions_after_warm_up(rig: Rig) -> dict[str, frozenset[str]]:
    """Every consumer group of the deployment and the topics it reads, learnt by sending an
    ordinary message to every topic and waiting until the groups' commits stay the same."""
    session_id = rig.session_with_dataset()
    rig.send([(base, _probe(rig, base, session_id)) for base in PROBES], session_id)
    commands = {rig.topic(t) for t in topics.ALL if t.endswith(".commands")}
    last: list[tuple[float, dict[str, frozenset[str]]]] = []

    def settled() -> dict[str, frozenset[str]] | None:
        now = (time.monotonic(), rig.kafka.subscriptions())
        if not last or last[0][1] != now[1]:
            last[:] = [now]
        read = {t for ts in now[1].values() for t in ts}
        return now[1] if commands <= read and now[0] - last[0][0] > 2 else None

    found: dict[str, frozenset[str]] = wait_for(settled, timeout_s=60, what="consumer groups")
    return found


@pytest.fixture(scope="module")
def rig(stack: Stack) -> Iterator[Rig]:
    storage = open_storage(stack.env["STORAGE_URL"])
    with storage.writer("poison-test/head.parquet") as out:
        pq.write_table(pa.table({"city": ["Oslo", " Bergen "]}), out)
    with RawKafka(stack.kafka, stack.topic_prefix) as kafka:
        dead_letters = kafka.follow(stack.topic_prefix + topics.DEAD_LETTERS)
        dead_letters.read_new()  # the stack is shared: earlier tests' letters are not ours
        rig = Rig(stack, kafka, dead_letters, {}, storage.uri_for("poison-test/head.parquet"))
        rig.subscriptions = _subscriptions_after_warm_up(rig)
        warm_up_letters = rig.new_dead_letters()
        assert not warm_up_letters, warm_up_letters
        yield rig
        rig.delete_sessions()


def _probe(rig: Rig, base: str, session_id: UUID) -> Envelope:
    """The ordinary message for a topic, about the session and on its dataset."""
    example = example_of(PROBES[base])
    update = {
        name: rig.head_uri if name.endswith("_uri") else session_id
        for name in type(example).model_fields
        if name.endswith("_uri") or name == "session_id"
    }
    return _wrap(example.model_copy(update=update), session_id)


def _attack(
    rig: Rig,
    records: list[tuple[str, bytes]],
    session_id: UUID,
    within_s: float = HANDLED_WITHIN_S,
) -> None:
    """Send the hostile records (base topic, body), then an ordinary message on every topic,
    all on the same key; assert the ordinary ones are handled within `within_s` and nothing
    stopped. Records how long it took and what was dead-lettered, in a property's events."""
    rig.send(list(records), session_id)
    probes = {base: _probe(rig, base, session_id) for base in PROBES}
    sent = rig.send(list(probes.items()), session_id)
    started = time.monotonic()

    def behind() -> list[str]:
        return [
            f"{group} on {where.topic}[{where.partition}]"
            for where in sent
            for group in rig.readers_of(where.topic)
            if rig.kafka.committed(group, where.topic, where.partition) <= where.offset
        ]

    while (stuck := behind()) and time.monotonic() - started < within_s:
        time.sleep(0.05)
    assert not stuck, f"not handled within {within_s} s: {stuck}"
    wait_for(rig.log_followed, timeout_s=HANDLED_WITHIN_S, what="projector and relay")
    letters = rig.new_dead_letters()
    if currently_in_test_context():
        event(f"handled within {time.monotonic() - started:.0f} s")
        for code in sorted({letter.code for letter in letters}):
            event(f"dead-lettered: {code}")
    probe_ids = {e.message_id for e in probes.values()}
    wrongly = [d for d in letters if d.original_message_id in probe_ids]
    assert not wrongly, f"ordinary messages dead-lettered: {wrongly}"
    exited = [
        n for n, s in rig.stack.services.items() if s.process and s.process.poll() is not None
    ]
    assert not exited, f"services exited: {exited}"


@POISON
@given(data=st.data())
def test_hostile_fields_never_stall_a_partition(rig: Rig, data: st.DataObject) -> None:
    session_id = rig.session_with_dataset()
    records = []
    for type_name in sorted(registered_types()):
        message = example_of(type_name)
        if "session_id" in type(message).model_fields:
            message = message.model_copy(update={"session_id": session_id})
        valid = envelope_document(message, session_id, uuid4())
        for hostile in (
            with_hostile_text(valid, ("payload",)),
            with_hostile_values(valid, ("payload",)),
        ):
            document = data.draw(hostile, label=type_name)
            body = encoded(document, ascii_only=data.draw(st.booleans(), label="ascii"))
            if len(body) <= MAX_RECORD_BYTES:
                records.append((data.draw(st.sampled_from(sorted(PROBES)), label="onto"), body))
            event(f"decodes: {decodes(document)}")
    _attack(rig, records, session_id)


@settings(POISON, max_examples=3)
@given(data=st.data())
def test_records_that_are_no_envelope_never_stall_a_partition(
    rig: Rig, data: st.DataObject
) -> None:
    session_id = rig.session_with_dataset()
    valid = _probe(rig, topics.VERSIONING_COMMANDS, session_id).model_dump(mode="json")
    bodies = data.draw(st.lists(broken_records(valid), min_size=1, max_size=4), label="records")
    _attack(rig, [(base, body) for body in bodies for base in PROBES], session_id)


def test_an_upload_that_cannot_be_read_fails_at_once(rig: Rig) -> None:
    """An IngestDataset whose upload cannot be in storage is failed, not retried as if storage
    were down: the messages behind it on the same partition are handled well within the retry
    budget (each upload is read once, in a process of its own: seconds each on a busy machine)."""
    session_id = rig.session_with_dataset()
    folder = rig.head_uri.rsplit("/", 1)[0]
    uris = [
        f"{folder}/missing.csv",
        f"{folder}/{'x' * 5000}",
        f"{folder}/\x00.csv",
        "file:///etc/hostname",
        "s3://elsewhere/upload.csv",
    ]
    ingest = example_of("IngestDataset").model_copy(update={"session_id": session_id})
    bodies = [
        _body(_wrap(ingest.model_copy(update={"upload_uri": uri}), session_id)) for uri in uris
    ]
    records = [(topics.PROFILER_COMMANDS, body) for body in bodies]
    _attack(rig, records, session_id, within_s=READS_WITHIN_S)
