"""The ObjectStorage contract, run identically against every backend."""

import hashlib
import io
import random
from pathlib import Path

import pytest

from modulardata.storage import (
    InvalidStorageUri,
    ObjectNotFound,
    ObjectStorage,
    S3Storage,
    StorageError,
    sha256_file,
    sha256_stream,
)

KEY = "sessions/s1/nodes/n1.parquet"
MiB = 1024 * 1024


def write(storage: ObjectStorage, key: str, data: bytes) -> str:
    with storage.writer(key) as stream:
        stream.write(data)
    return storage.uri_for(key)


def read(storage: ObjectStorage, uri: str) -> bytes:
    with storage.open(uri) as stream:
        return stream.read()


def test_uri_for_names_the_key(storage: ObjectStorage) -> None:
    uri = storage.uri_for(KEY)
    assert uri.startswith(("file:///", "s3://"))
    assert uri.endswith("/" + KEY)
    assert not storage.exists(uri)


def test_multi_megabyte_round_trip_in_chunks(storage: ObjectStorage) -> None:
    # Over boto3's 8 MiB multipart threshold, and never materialised as one bytes object.
    rng = random.Random(7)
    written = hashlib.sha256()
    total = 0
    with storage.writer(KEY) as stream:
        for _ in range(9):
            chunk = rng.randbytes(MiB)
            stream.write(chunk)
            written.update(chunk)
            total += len(chunk)
        stream.write(b"tail")
        written.update(b"tail")
        total += 4
    uri = storage.uri_for(KEY)

    read_back = hashlib.sha256()
    with storage.open(uri) as stream:
        while chunk := stream.read(64 * 1024):
            read_back.update(chunk)
    assert read_back.hexdigest() == written.hexdigest()
    assert storage.size(uri) == total
    with storage.open(uri) as stream:
        assert sha256_stream(stream) == written.hexdigest()
    with storage.local_copy(uri) as path:
        assert sha256_file(path) == written.hexdigest()


def test_open_gives_a_proper_readable(storage: ObjectStorage) -> None:
    uri = write(storage, "t.csv", b"a,b\n1,2\n3,4\n")
    with storage.open(uri) as stream:
        assert stream.readable()
        assert stream.readline() == b"a,b\n"
        assert list(stream) == [b"1,2\n", b"3,4\n"]
    with storage.open(uri) as stream, io.TextIOWrapper(stream, encoding="utf-8") as text:
        assert text.read() == "a,b\n1,2\n3,4\n"


def test_empty_object(storage: ObjectStorage) -> None:
    uri = write(storage, "empty", b"")
    assert storage.exists(uri)
    assert storage.size(uri) == 0
    assert read(storage, uri) == b""


def test_writer_overwrites(storage: ObjectStorage) -> None:
    write(storage, KEY, b"old")
    uri = write(storage, KEY, b"new")
    assert read(storage, uri) == b"new"


def test_failed_write_leaves_no_object(storage: ObjectStorage) -> None:
    with pytest.raises(RuntimeError, match="boom"), storage.writer(KEY) as stream:
        stream.write(b"partial" * 1000)
        raise RuntimeError("boom")
    uri = storage.uri_for(KEY)
    assert not storage.exists(uri)
    with pytest.raises(ObjectNotFound):
        read(storage, uri)


def test_failed_overwrite_keeps_previous_object(storage: ObjectStorage) -> None:
    uri = write(storage, KEY, b"good")
    with pytest.raises(RuntimeError), storage.writer(KEY) as stream:
        stream.write(b"bad")
        raise RuntimeError
    assert read(storage, uri) == b"good"


def test_missing_object(storage: ObjectStorage) -> None:
    uri = storage.uri_for("no/such/object")
    assert not storage.exists(uri)
    with pytest.raises(ObjectNotFound):
        read(storage, uri)
    with pytest.raises(ObjectNotFound):
        storage.size(uri)
    with pytest.raises(ObjectNotFound), storage.local_copy(uri):
        pass
    assert issubclass(ObjectNotFound, StorageError)


def test_key_prefix_is_not_an_object(storage: ObjectStorage) -> None:
    write(storage, "dir/leaf", b"x")
    for uri in (storage.uri_for("dir"), storage.uri_for("dir/leaf/below")):
        assert not storage.exists(uri)
        with pytest.raises(ObjectNotFound):
            read(storage, uri)
        with pytest.raises(ObjectNotFound):
            storage.size(uri)
        storage.delete(uri)
    assert read(storage, storage.uri_for("dir/leaf")) == b"x"


def test_delete_is_idempotent(storage: ObjectStorage) -> None:
    uri = write(storage, KEY, b"x")
    storage.delete(uri)
    assert not storage.exists(uri)
    storage.delete(uri)


def test_delete_prefix_removes_the_folder_and_nothing_beside_it(storage: ObjectStorage) -> None:
    inside = [write(storage, key, b"x") for key in ("s1/a", "s1/b/c.parquet", "s1/b/d e.json")]
    beside = [write(storage, key, b"y") for key in ("s10/a", "s1.parquet", "t/s1/a")]
    assert storage.delete_prefix("s1") == 3
    assert not any(storage.exists(uri) for uri in inside)
    assert all(storage.exists(uri) for uri in beside)
    assert storage.delete_prefix("s1") == 0
    assert storage.delete_prefix("never/written") == 0


@pytest.mark.parametrize("folder", ["", "../outside", "a/../b", "/abs"])
def test_delete_prefix_refuses_unsafe_folders(storage: ObjectStorage, folder: str) -> None:
    with pytest.raises(InvalidStorageUri):
        storage.delete_prefix(folder)


def test_put_file(storage: ObjectStorage, tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(b"payload" * 1000)
    uri = storage.put_file(KEY, source)
    assert uri == storage.uri_for(KEY)
    assert read(storage, uri) == source.read_bytes()
    assert storage.size(uri) == source.stat().st_size


def test_put_file_of_missing_source(storage: ObjectStorage, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        storage.put_file(KEY, tmp_path / "missing")
    assert not storage.exists(storage.uri_for(KEY))


def test_local_copy_keeps_file_name(storage: ObjectStorage) -> None:
    uri = write(storage, KEY, b"parquet bytes")
    with storage.local_copy(uri) as path:
        assert path.name == "n1.parquet"
        assert path.read_bytes() == b"parquet bytes"


def test_keys_with_uri_special_characters(storage: ObjectStorage) -> None:
    key = "dir with space/50%#1?.csv"
    uri = write(storage, key, b"odd")
    assert read(storage, uri) == b"odd"
    assert storage.exists(uri)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/abs/path",
        "../up",
        "a/../../up",
        "a/..",
        "./a",
        "a/./b",
        "a//b",
        "a/",
        "a\\..\\b",
        "a\x00",
    ],
)
def test_unsafe_keys_refused(storage: ObjectStorage, tmp_path: Path, key: str) -> None:
    source = tmp_path / "f"
    source.write_bytes(b"x")
    with pytest.raises(InvalidStorageUri):
        storage.uri_for(key)
    with pytest.raises(InvalidStorageUri), storage.writer(key):
        pass
    with pytest.raises(InvalidStorageUri):
        storage.put_file(key, source)


def foreign_uris(storage: ObjectStorage, tmp_path: Path) -> list[str]:
    """Uris that look plausible but lie outside the storage's root or bucket."""
    inside = storage.uri_for("x")
    base = inside.removesuffix("/x")
    uris = [
        base + "/../x",
        base + "/a/../../x",
        base + "-sibling/x",
        base,
        inside + "?versionId=1" if inside.startswith("file:") else inside + "/../../x",
    ]
    if isinstance(storage, S3Storage):
        uris += [f"s3://other-{storage.bucket}/{storage.prefix}x", (tmp_path / "x").as_uri()]
    else:
        uris += [(tmp_path / "elsewhere" / "x").as_uri(), "file:///etc/passwd", "s3://bucket/x"]
    return [*uris, "http://example.invalid/x", "x", ""]


def test_foreign_uris_refused(storage: ObjectStorage, tmp_path: Path) -> None:
    write(storage, "x", b"inside")
    for uri in foreign_uris(storage, tmp_path):
        for operation in (storage.exists, storage.size, storage.delete):
            with pytest.raises(InvalidStorageUri):
                operation(uri)
        with pytest.raises(InvalidStorageUri), storage.open(uri):
            pass
        with pytest.raises(InvalidStorageUri), storage.local_copy(uri):
            pass
    assert read(storage, storage.uri_for("x")) == b"inside"
