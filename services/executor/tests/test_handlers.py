"""An ExecuteTransformation command yields progress, then a stored version or a failure."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID, uuid4

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from faststream import FastStream
from faststream.kafka import KafkaBroker, TestKafkaBroker

from modulardata.contracts import topics
from modulardata.contracts.commands import ExecuteTransformation
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import (
    TaskProgressed,
    TransformationExecuted,
    TransformationFailed,
)
from modulardata.executor.config import ExecutorSettings
from modulardata.executor.main import create_app, create_broker
from modulardata.executor.versions import transformation_node_id
from modulardata.messaging.metrics import WorkerMetrics
from modulardata.sandbox.sandbox import Sandbox
from modulardata.storage import LocalStorage, sha256_file
from modulardata.storage.layout import version_key
from tests.support.service_broker import ServiceBroker


class Executor(ServiceBroker):
    """The executor's broker, with the events and dead letters it publishes collected."""

    def __init__(self, settings: ExecutorSettings, storage: LocalStorage, sandbox: Sandbox) -> None:
        self.metrics = WorkerMetrics()
        broker = create_broker(settings, sandbox, self.metrics)
        super().__init__(broker, settings, topics.EXECUTOR_EVENTS)
        self.storage = storage

    def command(self, tmp_path: Path, code: str, frame: pd.DataFrame | None = None) -> Envelope:
        """Store a parent version and return the command that transforms it with `code`."""
        session, parent = uuid4(), uuid4()
        source = tmp_path / f"{parent}.parquet"
        data = frame if frame is not None else pd.DataFrame({"age": [36, None, 85]})
        pq.write_table(pa.Table.from_pandas(data, preserve_index=False), source)
        uri = self.storage.put_file(version_key(session, parent), source)
        command = ExecuteTransformation(
            session_id=session,
            parent_node_id=parent,
            parent_storage_uri=uri,
            code=code,
            chat_message_id=uuid4(),
        )
        return Envelope.wrap(command, session_id=session, correlation_id=uuid4())


@pytest.fixture
def executor(tmp_path: Path, sandbox: Sandbox) -> Executor:
    root = tmp_path / "storage"
    settings = ExecutorSettings(
        storage_url=root.as_uri(), topic_prefix=f"t{uuid4().hex[:8]}.", timeout_s=2
    )
    return Executor(settings, LocalStorage(root), sandbox)


async def test_a_snippet_makes_a_stored_version(executor: Executor, tmp_path: Path) -> None:
    command = executor.command(tmp_path, "df = df.dropna()\ndf['twice'] = df['age'] * 2")
    async with TestKafkaBroker(executor.broker):
        await executor.bus.publish(command, topics.EXECUTOR_COMMANDS)

    progress, executed = executor.opened()
    task = command.correlation_id
    assert progress == TaskProgressed(
        task_id=task, session_id=command.session_id, stage="executing"
    )
    assert isinstance(executed, TransformationExecuted)
    for envelope in executor.events:
        assert envelope.correlation_id == task
        assert envelope.causation_id == command.message_id
    node = transformation_node_id(task)
    sent = command.open()
    assert isinstance(sent, ExecuteTransformation)
    assert executed.node_id == node
    assert executed.parent_node_id == sent.parent_node_id
    assert executed.chat_message_id == sent.chat_message_id
    assert executed.code == sent.code
    assert executed.storage_uri == executor.storage.uri_for(version_key(sent.session_id, node))
    assert (executed.row_count, executed.column_count) == (2, 2)
    assert [(c.name, c.dtype) for c in executed.columns] == [
        ("age", "double"),
        ("twice", "double"),
    ]
    with executor.storage.local_copy(executed.storage_uri) as parquet:
        assert sha256_file(parquet) == executed.content_hash
        table = pq.read_table(parquet)
    assert table.to_pydict() == {"age": [36.0, 85.0], "twice": [72.0, 170.0]}
    assert table.schema.metadata is None
    assert executor.dead == []


async def test_a_redelivered_command_makes_the_same_node_and_messages(
    executor: Executor, tmp_path: Path
) -> None:
    command = executor.command(tmp_path, "df = df.fillna(0)")
    async with TestKafkaBroker(executor.broker):
        await executor.bus.publish(command, topics.EXECUTOR_COMMANDS)
        await executor.bus.publish(command, topics.EXECUTOR_COMMANDS)

    first, second = executor.opened()[1::2]
    assert isinstance(first, TransformationExecuted)
    assert first == second
    assert [e.message_id for e in executor.events[:2]] == [
        e.message_id for e in executor.events[2:]
    ]


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("import os", "line 1: imports are not allowed"),
        ("x = 1\ndf['b'] = df['missing']", "line 2: KeyError"),
        ("while True:\n    pass", "took longer than 2 s"),
        ("df = 3", "must leave a DataFrame"),
        ("df['a\\x00'] = 1", "('a\\\\x00') cannot be stored, name: Value error, text contains"),
        ("df.columns = ['x' * 300]", "cannot be stored, name: String should have at most 200"),
    ],
)
async def test_a_failing_snippet_is_reported_not_raised(
    executor: Executor, tmp_path: Path, code: str, error: str
) -> None:
    command = executor.command(tmp_path, code)
    async with TestKafkaBroker(executor.broker):
        await executor.bus.publish(command, topics.EXECUTOR_COMMANDS)

    progress, failed = executor.opened()
    assert isinstance(progress, TaskProgressed)
    assert isinstance(failed, TransformationFailed)
    assert error in failed.error
    assert failed.code == code
    assert executor.events[1].correlation_id == command.correlation_id
    assert executor.dead == []
    node = transformation_node_id(command.correlation_id)
    assert not executor.storage.exists(
        executor.storage.uri_for(version_key(command.session_id, node))
    )


async def test_a_missing_parent_is_reported(executor: Executor, tmp_path: Path) -> None:
    command = executor.command(tmp_path, "df = df.dropna()")
    executor.storage.delete(command.payload["parent_storage_uri"])
    async with TestKafkaBroker(executor.broker):
        await executor.bus.publish(command, topics.EXECUTOR_COMMANDS)

    _, failed = executor.opened()
    assert isinstance(failed, TransformationFailed)
    assert "no longer in storage" in failed.error


async def test_an_index_and_odd_labels_become_plain_columns(
    executor: Executor, tmp_path: Path
) -> None:
    frame = pd.DataFrame({"city": ["a", "b", "a"], "n": [1, 2, 3]})
    code = "df = df.pivot_table(index='city', values='n', aggfunc=['sum', 'max'])"
    command = executor.command(tmp_path, code, frame)
    async with TestKafkaBroker(executor.broker):
        await executor.bus.publish(command, topics.EXECUTOR_COMMANDS)

    _, executed = executor.opened()
    assert isinstance(executed, TransformationExecuted)
    assert [c.name for c in executed.columns] == ["city", "sum_n", "max_n"]


async def test_an_unexpected_failure_fails_the_task(
    executor: Executor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr("modulardata.executor.handlers.execute_transformation", broken)
    command = executor.command(tmp_path, "df = df.dropna()")
    async with TestKafkaBroker(executor.broker):
        await executor.bus.publish(command, topics.EXECUTOR_COMMANDS)

    _, failed = executor.opened()
    assert isinstance(failed, TransformationFailed)
    assert "internal error" in failed.error
    assert "bug" not in failed.error
    assert executor.dead == []


async def test_a_poison_message_is_dead_lettered(executor: Executor) -> None:
    async with TestKafkaBroker(executor.broker):
        await executor.broker.publish(
            b"not an envelope", topic=executor.bus.topic(topics.EXECUTOR_COMMANDS)
        )

    assert executor.events == []
    assert len(executor.dead) == 1
    assert executor.dead[0]["payload"]["code"] == "undecodable"


def test_the_node_id_is_derived_from_the_task() -> None:
    task = UUID("12345678-1234-5678-1234-567812345678")
    assert transformation_node_id(task) == transformation_node_id(task)
    assert transformation_node_id(task) != transformation_node_id(uuid4())


def test_create_app_serves_the_executor_broker(tmp_path: Path) -> None:
    app = create_app(ExecutorSettings(storage_url=tmp_path.as_uri()))
    assert isinstance(app, FastStream)
    assert isinstance(app.broker, KafkaBroker)


def _next(executed: TransformationExecuted, code: str) -> Envelope:
    """The command transforming the version `executed` made, as the next message of its session
    sends it."""
    command = ExecuteTransformation(
        session_id=executed.session_id,
        parent_node_id=executed.node_id,
        parent_storage_uri=executed.storage_uri,
        code=code,
        chat_message_id=uuid4(),
    )
    return Envelope.wrap(command, session_id=executed.session_id, correlation_id=uuid4())


async def _chain(executor: Executor, first: Envelope, *, drop_first_file: bool) -> str:
    """Run `first`, then a second snippet on its result; the second version's content hash."""
    async with TestKafkaBroker(executor.broker):
        await executor.bus.publish(first, topics.EXECUTOR_COMMANDS)
        made = executor.opened()[-1]
        assert isinstance(made, TransformationExecuted), made
        if drop_first_file:
            executor.storage.delete(made.storage_uri)
        second = _next(made, "df['label'] = df['city'].str.upper()")
        await executor.bus.publish(second, topics.EXECUTOR_COMMANDS)
    result = executor.opened()[-1]
    assert isinstance(result, TransformationExecuted), result
    return result.content_hash


async def test_a_version_it_made_is_run_on_from_memory_as_it_would_be_from_storage(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    frame = pd.DataFrame(
        {
            "city": pd.Series(["oslo", None, "lima"], dtype="string"),
            "when": pd.to_datetime(pd.Series(["2024-01-02", None, "2024-03-04"]), utc=True),
            "kind": pd.Categorical(["a", "b", "a"]),
            "count": pd.array([1, None, 3], dtype="Int64"),
        }
    )

    def executor(name: str, recent_mb: int) -> Executor:
        root = tmp_path / name
        settings = ExecutorSettings(
            storage_url=root.as_uri(),
            topic_prefix=f"t{uuid4().hex[:8]}.",
            timeout_s=2,
            recent_versions_mb=recent_mb,
        )
        return Executor(settings, LocalStorage(root), sandbox)

    from_storage = executor("cold", 0)
    first = from_storage.command(tmp_path, "df = df.sort_values('city')", frame)
    expected = await _chain(from_storage, first, drop_first_file=False)
    warm = executor("warm", 16)
    # The first version's file is gone, so only the executor's memory can hold it.
    assert (
        await _chain(warm, _copy_into(warm, from_storage, first), drop_first_file=True) == expected
    )


def _copy_into(target: Executor, source: Executor, command: Envelope) -> Envelope:
    """The same command, its parent stored in `target`'s storage."""
    sent = command.open()
    assert isinstance(sent, ExecuteTransformation)
    with source.storage.local_copy(sent.parent_storage_uri) as parquet:
        uri = target.storage.put_file(version_key(sent.session_id, sent.parent_node_id), parquet)
    copied = sent.model_copy(update={"parent_storage_uri": uri})
    return Envelope.wrap(copied, session_id=sent.session_id, correlation_id=command.correlation_id)
