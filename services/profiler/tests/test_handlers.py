"""An upload yields progress, a stored version and its profile, or a failure; a committed
version without a profile gets one."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID, uuid4

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from faststream import FastStream
from faststream.kafka import KafkaBroker, TestKafkaBroker

from modulardata.contracts import topics
from modulardata.contracts.commands import IngestDataset, ProfileVersion
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import (
    DatasetIngested,
    DatasetProfiled,
    IngestionFailed,
    ProfilingFailed,
    TaskProgressed,
)
from modulardata.contracts.limits import DatasetLimits
from modulardata.messaging.metrics import WorkerMetrics
from modulardata.profiler.config import ProfilerSettings
from modulardata.profiler.main import create_app, create_broker
from modulardata.profiler.readers import UploadReaders, read_outcome
from modulardata.profiler.uploads import upload_node_id
from modulardata.profiling.profiles import load_profile
from modulardata.storage import LocalStorage, sha256_file
from modulardata.storage.layout import profile_key, version_key
from tests.support.service_broker import ServiceBroker


class Profiler(ServiceBroker):
    """The profiler's broker, with the events and dead letters it publishes collected."""

    def __init__(self, settings: ProfilerSettings, storage: LocalStorage) -> None:
        self.metrics = WorkerMetrics()
        super().__init__(create_broker(settings, self.metrics), settings, topics.PROFILER_EVENTS)
        self.settings = settings
        self.storage = storage

    def upload(self, tmp_path: Path, data: bytes, filename: str = "people.csv") -> Envelope:
        """Store `data` as an upload and return the command that asks to ingest it."""
        source = tmp_path / filename
        source.write_bytes(data)
        session = uuid4()
        uri = self.storage.put_file(f"uploads/{session}/{filename}", source)
        command = IngestDataset(
            session_id=session,
            upload_uri=uri,
            filename=filename,
            byte_size=len(data),
            content_hash=sha256_file(source),
        )
        return Envelope.wrap(command, session_id=session, correlation_id=uuid4())


@pytest.fixture
def profiler(tmp_path: Path) -> Profiler:
    root = tmp_path / "storage"
    settings = ProfilerSettings(
        storage_url=root.as_uri(),
        topic_prefix=f"t{uuid4().hex[:8]}.",
        limits=DatasetLimits(rows=1000),
    )
    return Profiler(settings, LocalStorage(root))


async def test_an_upload_becomes_a_stored_parquet_version(
    profiler: Profiler, tmp_path: Path
) -> None:
    command = profiler.upload(tmp_path, b"name,age\nAda,36\nAlan,41\nGrace,85\n")
    async with TestKafkaBroker(profiler.broker):
        await profiler.bus.publish(command, topics.PROFILER_COMMANDS)

    progress, ingested, profiled = profiler.opened()
    task = command.correlation_id
    assert progress == TaskProgressed(
        task_id=task, session_id=command.session_id, stage="ingesting"
    )
    assert isinstance(ingested, DatasetIngested)
    for envelope in profiler.events:
        assert envelope.correlation_id == task
        assert envelope.causation_id == command.message_id
        assert envelope.session_id == command.session_id
    node = upload_node_id(task)
    assert ingested.node_id == node
    assert ingested.storage_uri == profiler.storage.uri_for(version_key(command.session_id, node))
    assert (ingested.row_count, ingested.column_count) == (3, 2)
    assert [(c.name, c.dtype) for c in ingested.columns] == [("name", "string"), ("age", "int64")]
    with profiler.storage.local_copy(ingested.storage_uri) as parquet:
        assert sha256_file(parquet) == ingested.content_hash
        assert pq.read_table(parquet).column("age").to_pylist() == [36, 41, 85]
    assert isinstance(profiled, DatasetProfiled)
    assert profiled.profile_uri == profiler.storage.uri_for(profile_key(command.session_id, node))
    assert (profiled.node_id, profiled.row_count, profiled.column_count) == (node, 3, 2)
    profile = load_profile(profiler.storage, profiled.profile_uri)
    assert [c.semantic_type for c in profile.columns] == ["text", "integer"]
    assert profile.source is not None and profile.source.delimiter == ","
    assert profiled.finding_count == len(profile.findings)
    assert profiler.dead == []
    stored = sum(profiler.storage.size(u) for u in (ingested.storage_uri, profiled.profile_uri))
    written = profiler.metrics.registry.get_sample_value("modulardata_storage_written_bytes_total")
    assert written == stored


async def test_a_redelivered_command_makes_the_same_node_and_messages(
    profiler: Profiler, tmp_path: Path
) -> None:
    command = profiler.upload(tmp_path, b"a,b\n1,x\n2,y\n")
    async with TestKafkaBroker(profiler.broker):
        await profiler.bus.publish(command, topics.PROFILER_COMMANDS)
        await profiler.bus.publish(command, topics.PROFILER_COMMANDS)

    messages = profiler.opened()
    assert isinstance(messages[1], DatasetIngested)
    assert messages[:3] == messages[3:]
    assert [e.message_id for e in profiler.events[:3]] == [
        e.message_id for e in profiler.events[3:]
    ]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"a,b\n" + b"1,2,3\n" * 20, "unreadable"),
        (b"a\n" + b"1\n" * 1001, "too_many_rows"),
    ],
)
async def test_bad_input_is_reported_not_raised(
    profiler: Profiler, tmp_path: Path, data: bytes, code: str
) -> None:
    command = profiler.upload(tmp_path, data)
    async with TestKafkaBroker(profiler.broker):
        await profiler.bus.publish(command, topics.PROFILER_COMMANDS)

    progress, failed = profiler.opened()
    assert isinstance(progress, TaskProgressed)
    assert isinstance(failed, IngestionFailed)
    assert (failed.code, failed.filename) == (code, "people.csv")
    assert failed.reason
    assert profiler.events[1].correlation_id == command.correlation_id
    assert profiler.dead == []
    assert not list(profiler.storage.root.glob("sessions/**/*.parquet"))


async def test_a_missing_upload_is_reported(profiler: Profiler, tmp_path: Path) -> None:
    command = profiler.upload(tmp_path, b"a\n1\n")
    profiler.storage.delete(command.payload["upload_uri"])
    async with TestKafkaBroker(profiler.broker):
        await profiler.bus.publish(command, topics.PROFILER_COMMANDS)

    _, failed = profiler.opened()
    assert isinstance(failed, IngestionFailed)
    assert failed.code == "unreadable"
    assert "no longer in storage" in failed.reason


def test_an_unexpected_failure_fails_the_task(
    profiler: Profiler, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr("modulardata.profiler.readers.ingest_upload", broken)
    command = profiler.upload(tmp_path, b"a\n1\n").open()
    assert isinstance(command, IngestDataset)
    storage = profiler.settings.open_storage()
    (failed,) = read_outcome(storage, command, uuid4(), DatasetLimits())
    assert isinstance(failed, IngestionFailed)
    assert failed.code == "unreadable"
    assert "bug" not in failed.reason


async def test_a_read_over_its_budget_fails_its_task(profiler: Profiler, tmp_path: Path) -> None:
    stored: list[int] = []
    readers = UploadReaders(
        profiler.settings, DatasetLimits(), workers=1, budget_s=0.001, written=stored.append
    )
    command = profiler.upload(tmp_path, b"a\n1\n").open()
    assert isinstance(command, IngestDataset)
    (failed,) = await readers.read(command, uuid4())
    assert isinstance(failed, IngestionFailed)
    assert failed.code == "too_slow_to_read"
    assert "(MODULARDATA_PROFILER_READ_BUDGET_S)" in failed.reason
    assert stored == []


def _profile_version(profiler: Profiler, tmp_path: Path, data: bytes) -> Envelope:
    """A ProfileVersion command for a version stored the way the executor stores it."""
    session, node = uuid4(), uuid4()
    source = tmp_path / "made.parquet"
    source.write_bytes(data)
    uri = profiler.storage.put_file(version_key(session, node), source)
    command = ProfileVersion(session_id=session, node_id=node, storage_uri=uri)
    return Envelope.wrap(command, session_id=session, correlation_id=uuid4())


async def test_a_new_version_is_profiled_and_a_repeat_reuses_the_profile(
    profiler: Profiler, tmp_path: Path
) -> None:
    table = pa.table({"city": ["Oslo", "oslo", "Lima", None]})
    buffer = pa.BufferOutputStream()
    pq.write_table(table, buffer)
    executed = _profile_version(profiler, tmp_path, buffer.getvalue().to_pybytes())
    async with TestKafkaBroker(profiler.broker):
        await profiler.bus.publish(executed, topics.PROFILER_COMMANDS)
        await profiler.bus.publish(executed, topics.PROFILER_COMMANDS)

    # No stage: the version's task ended when the version was committed.
    first, again = profiler.opened()
    assert isinstance(first, DatasetProfiled)
    assert first == again
    assert profiler.events[0].message_id == profiler.events[1].message_id
    assert profiler.events[0].causation_id == executed.message_id
    profile = load_profile(profiler.storage, first.profile_uri)
    assert profile.source is None
    assert (profile.row_count, profile.columns[0].null_count) == (4, 1)
    assert {f.kind for f in profile.findings} >= {"case_variants", "missing_values"}


async def test_a_version_without_data_fails_its_profiling(
    profiler: Profiler, tmp_path: Path
) -> None:
    executed = _profile_version(profiler, tmp_path, b"")
    profiler.storage.delete(executed.payload["storage_uri"])
    async with TestKafkaBroker(profiler.broker):
        await profiler.bus.publish(executed, topics.PROFILER_COMMANDS)
    [failed] = profiler.opened()
    assert isinstance(failed, ProfilingFailed)
    assert failed.node_id == UUID(executed.payload["node_id"])
    assert "missing" in failed.error
    assert profiler.dead == []


def test_create_app_serves_the_profiler_broker(tmp_path: Path) -> None:
    app = create_app(ProfilerSettings(storage_url=tmp_path.as_uri()))
    assert isinstance(app, FastStream)
    assert isinstance(app.broker, KafkaBroker)
