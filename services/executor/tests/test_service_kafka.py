"""The executor as a process on the real broker: a transformation comes back as a version, a
poison message before it neither stops nor delays the consumer, its readiness answer says what
the sandbox enforces, and SIGTERM stops it at once."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from modulardata.contracts import topics
from modulardata.contracts.commands import ExecuteTransformation
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import TransformationExecuted
from modulardata.messaging.settings import KafkaSettings
from modulardata.messaging.topics import ensure_topics
from modulardata.storage import LocalStorage
from modulardata.storage.layout import version_key
from tests.support.stack import free_port

KAFKA = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
EXECUTOR = Path(sys.executable).parent / "modulardata-executor"


@pytest.fixture
def prefix() -> str:
    return f"it-exec-{uuid.uuid4().hex[:10]}."


@pytest.fixture
def health_port() -> int:
    return free_port()


@pytest.fixture
def executor_process(
    prefix: str, tmp_path: Path, health_port: int
) -> Iterator[subprocess.Popen[bytes]]:
    asyncio.run(ensure_topics(KafkaSettings(kafka_bootstrap_servers=KAFKA, topic_prefix=prefix)))
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": KAFKA,
        "MODULARDATA_TOPIC_PREFIX": prefix,
        "STORAGE_URL": (tmp_path / "storage").as_uri(),
        "MODULARDATA_EXECUTOR_WORKERS": "1",
        "MODULARDATA_HEALTH_PORT": str(health_port),
    }
    log = (tmp_path / "executor.log").open("wb")
    process = subprocess.Popen([str(EXECUTOR)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


async def _send(topic: str, records: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA)
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def _wait_for(
    topic: str, found: Callable[[dict[str, Any]], bool], timeout_s: float = 120
) -> list[dict[str, Any]]:
    """Records of `topic` from the start until one is `found`."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=KAFKA, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    seen: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(timeout_s):
            while not any(found(record) for record in seen):
                batch = await consumer.getmany(timeout_ms=500)
                seen += [json.loads(r.value) for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    return seen


def test_a_transformation_survives_a_poison_message(
    executor_process: subprocess.Popen[bytes], prefix: str, tmp_path: Path
) -> None:
    storage = LocalStorage(tmp_path / "storage")
    session, parent = uuid.uuid4(), uuid.uuid4()
    source = tmp_path / "parent.parquet"
    pq.write_table(pa.Table.from_pandas(pd.DataFrame({"age": [36.0, None, 85.0]})), source)
    command = ExecuteTransformation(
        session_id=session,
        parent_node_id=parent,
        parent_storage_uri=storage.put_file(version_key(session, parent), source),
        code="df = df.dropna()",
    )
    envelope = Envelope.wrap(command, session_id=session, correlation_id=uuid.uuid4())
    # The poison goes first on the same key, so the command waits behind it in its partition.
    records = [
        (envelope.key, b"\x00 not json"),
        (envelope.key, envelope.model_dump_json().encode()),
    ]
    asyncio.run(_send(prefix + topics.EXECUTOR_COMMANDS, records))

    events = asyncio.run(
        _wait_for(prefix + topics.EXECUTOR_EVENTS, lambda r: r["type"] == "TransformationExecuted")
    )
    executed = Envelope.model_validate(events[-1]).open()
    assert isinstance(executed, TransformationExecuted)
    assert executed.row_count == 2
    assert storage.exists(executed.storage_uri)
    dead = asyncio.run(
        _wait_for(
            prefix + topics.DEAD_LETTERS,
            lambda r: b"not json" in base64.b64decode(r["payload"]["body_base64"]),
        )
    )
    assert dead[-1]["payload"]["code"] == "undecodable"
    assert executor_process.poll() is None


def _ready(port: int, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            answer = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
            if answer.status_code == 200:
                body: dict[str, Any] = answer.json()
                return body
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the executor never became ready"
        time.sleep(0.3)


def test_readiness_reports_the_sandbox_and_sigterm_stops_at_once(
    executor_process: subprocess.Popen[bytes], health_port: int
) -> None:
    sandbox = _ready(health_port)["sandbox"]
    layers = {
        "network isolation": sandbox["network_isolated"],
        "read-only filesystem": sandbox["filesystem_read_only"],
        "unprivileged user": sandbox["unprivileged_user"],
        "system call filter": sandbox["syscalls_filtered"],
    }
    assert sandbox["unenforced"] == [layer for layer, on in layers.items() if not on]
    assert httpx.get(f"http://127.0.0.1:{health_port}/livez", timeout=5).status_code == 200
    started = time.monotonic()
    executor_process.send_signal(signal.SIGTERM)
    assert executor_process.wait(timeout=30) == 0
    assert time.monotonic() - started < 15
