"""open_storage url parsing, key rules and hashing helpers."""

import hashlib
from pathlib import Path

import pytest

from modulardata.storage import (
    InvalidStorageUri,
    LocalStorage,
    S3Storage,
    open_storage,
    sha256_file,
)


@pytest.mark.parametrize("spelling", ["plain", "file", "localhost"])
def test_absolute_local_urls(tmp_path: Path, spelling: str) -> None:
    url = {
        "plain": str(tmp_path),
        "file": tmp_path.as_uri(),
        "localhost": tmp_path.as_uri().replace("file://", "file://localhost", 1),
    }[spelling]
    storage = open_storage(url)
    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path.resolve()


@pytest.mark.parametrize("url", ["data/store", "./data/store", "file://data/store"])
def test_relative_local_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.chdir(tmp_path)
    storage = open_storage(url)
    assert isinstance(storage, LocalStorage)
    assert storage.root == (tmp_path / "data" / "store").resolve()


@pytest.mark.parametrize(
    ("url", "prefix"),
    [
        ("s3://bucket", ""),
        ("s3://bucket/", ""),
        ("s3://bucket/a/b", "a/b/"),
        ("s3://bucket/a/", "a/"),
    ],
)
def test_s3_urls(aws_env: None, url: str, prefix: str) -> None:
    storage = open_storage(url, endpoint_url="http://127.0.0.1:9")
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix) == ("bucket", prefix)
    assert storage.uri_for("k") == f"s3://bucket/{prefix}k"


@pytest.mark.parametrize(
    "url",
    [
        "",
        "file://",
        "file://localhost",
        "http://host/x",
        "s3://",
        "s3:///x",
        "s3://b/../x",
        "s3://b/x?y=1",
    ],
)
def test_bad_urls_refused(aws_env: None, url: str) -> None:
    with pytest.raises(InvalidStorageUri):
        open_storage(url)


def test_sha256_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc" * 1_000_000)
    assert sha256_file(path) == hashlib.sha256(b"abc" * 1_000_000).hexdigest()
