"""The counting wrapper reports the size of each object once it is stored, and nothing else."""

from pathlib import Path

import pytest

from modulardata.storage import LocalStorage, ObjectStorage, S3Storage
from modulardata.storage.counting import CountingStorage


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest) -> ObjectStorage:
    found: LocalStorage | S3Storage = request.getfixturevalue(f"{request.param}_storage")
    return found


def test_written_objects_are_counted_by_their_size(backend: ObjectStorage, tmp_path: Path) -> None:
    sizes: list[int] = []
    storage = CountingStorage(backend, sizes.append)
    with storage.writer("a/one.bin") as stream:
        stream.write(b"x" * 1000)
        stream.write(b"y" * 24)
    local = tmp_path / "two.bin"
    local.write_bytes(b"z" * 4096)
    uri = storage.put_file("a/two.bin", local)
    assert sizes == [1024, 4096]
    assert storage.size(uri) == 4096


def test_a_write_that_fails_counts_nothing(backend: ObjectStorage) -> None:
    sizes: list[int] = []
    storage = CountingStorage(backend, sizes.append)
    with pytest.raises(RuntimeError), storage.writer("a/broken.bin") as stream:
        stream.write(b"x" * 10)
        raise RuntimeError("the caller failed")
    assert sizes == []
    assert not storage.exists(storage.uri_for("a/broken.bin"))
