"""StorageSettings reads the plain environment names and builds the matching storage."""

from pathlib import Path

import pytest

from modulardata.storage import LocalStorage, S3Storage
from modulardata.storage.settings import StorageSettings


def test_default_is_a_relative_local_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("MODULARDATA_STORAGE_URL", "STORAGE_URL", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    storage = StorageSettings().open_storage()
    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path.resolve() / ".run" / "storage"


def test_s3_from_environment(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORAGE_URL", "s3://datasets/dev")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    storage = StorageSettings().open_storage()
    assert isinstance(storage, S3Storage)
    assert storage.uri_for("k") == "s3://datasets/dev/k"
