"""Behaviour specific to one backend, beyond the shared contract."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest

from modulardata.storage import LocalStorage, S3Storage, StorageError, open_storage

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_local_failed_write_leaves_no_temp_file(local_storage: LocalStorage) -> None:
    with pytest.raises(RuntimeError), local_storage.writer("a/b.bin") as stream:
        stream.write(b"partial")
        raise RuntimeError
    with local_storage.writer("a/c.bin") as stream:
        stream.write(b"whole")
    assert files_under(local_storage.root) == ["a/c.bin"]


def test_local_copy_is_the_file_itself(local_storage: LocalStorage) -> None:
    with local_storage.writer("k.csv") as stream:
        stream.write(b"x")
    with local_storage.local_copy(local_storage.uri_for("k.csv")) as path:
        assert path == local_storage.root / "k.csv"
    assert path.exists()


def test_local_accepts_localhost_file_uris(local_storage: LocalStorage) -> None:
    with local_storage.writer("k") as stream:
        stream.write(b"x")
    uri = local_storage.uri_for("k").replace("file:///", "file://localhost/", 1)
    assert local_storage.exists(uri)


def s3_client(endpoint: str) -> S3Client:
    return boto3.client("s3", endpoint_url=endpoint)


def test_s3_objects_live_under_the_prefix(s3_storage: S3Storage, s3_endpoint: str) -> None:
    uri = s3_storage.put_file("k.txt", Path(__file__))
    assert uri == f"s3://{s3_storage.bucket}/some/prefix/k.txt"
    listing = s3_client(s3_endpoint).list_objects_v2(Bucket=s3_storage.bucket)
    assert [o["Key"] for o in listing["Contents"]] == ["some/prefix/k.txt"]


def test_s3_failed_write_uploads_nothing(s3_storage: S3Storage, s3_endpoint: str) -> None:
    with pytest.raises(RuntimeError), s3_storage.writer("big.bin") as stream:
        stream.write(b"\0" * (9 * 1024 * 1024))
        raise RuntimeError
    client = s3_client(s3_endpoint)
    assert client.list_objects_v2(Bucket=s3_storage.bucket)["KeyCount"] == 0
    assert not client.list_multipart_uploads(Bucket=s3_storage.bucket).get("Uploads")


def test_s3_local_copy_is_removed_afterwards(s3_storage: S3Storage) -> None:
    with s3_storage.writer("k.parquet") as stream:
        stream.write(b"x")
    with s3_storage.local_copy(s3_storage.uri_for("k.parquet")) as path:
        assert path.read_bytes() == b"x"
    assert not path.exists()
    assert not path.parent.exists()


def test_s3_ensure_bucket_is_idempotent(s3_storage: S3Storage) -> None:
    s3_storage.ensure_bucket()
    assert not s3_storage.exists(s3_storage.uri_for("k"))


def test_s3_ensure_bucket_outside_us_east_1(
    s3_endpoint: str, aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    storage = open_storage(f"s3://test-{uuid.uuid4().hex[:16]}", endpoint_url=s3_endpoint)
    assert isinstance(storage, S3Storage)
    storage.ensure_bucket()
    storage.ensure_bucket()
    with storage.writer("k") as stream:
        stream.write(b"x")
    assert storage.uri_for("k") == f"s3://{storage.bucket}/k"
    assert storage.size(storage.uri_for("k")) == 1


def test_s3_missing_bucket_is_a_storage_error(s3_endpoint: str, aws_env: None) -> None:
    storage = open_storage(f"s3://missing-{uuid.uuid4().hex[:16]}", endpoint_url=s3_endpoint)
    source = Path(__file__)
    with pytest.raises(StorageError), storage.writer("k") as stream:
        stream.write(b"x")
    with pytest.raises(StorageError):
        storage.put_file("k", source)
    assert not storage.exists(storage.uri_for("k"))
