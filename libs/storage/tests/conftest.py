"""Fixtures: every storage test runs against a local directory and a real S3-API server."""

import os
import uuid
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

from modulardata.storage import LocalStorage, ObjectStorage, S3Storage, open_storage
from modulardata.storage.counting import CountingStorage


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on a free loopback port, spoken to over HTTP like any S3 endpoint."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials, and no developer profile or endpoint leaking into boto3."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def s3_storage(s3_endpoint: str, aws_env: None) -> S3Storage:
    """A fresh bucket per test, with a prefix so prefix handling is always exercised."""
    storage = open_storage(
        f"s3://test-{uuid.uuid4().hex[:16]}/some/prefix", endpoint_url=s3_endpoint
    )
    assert isinstance(storage, S3Storage)
    storage.ensure_bucket()
    return storage


@pytest.fixture
def local_storage(tmp_path_factory: pytest.TempPathFactory) -> LocalStorage:
    storage = open_storage(tmp_path_factory.mktemp("store").as_uri())
    assert isinstance(storage, LocalStorage)
    return storage


@pytest.fixture
def counting_storage(local_storage: LocalStorage) -> CountingStorage:
    """The counting wrapper keeps the contract of what it wraps."""
    return CountingStorage(local_storage, lambda size: None)


@pytest.fixture(params=["local", "s3", "counting"])
def storage(request: pytest.FixtureRequest) -> ObjectStorage:
    """The contract suite's subject: each backend in turn, and the counting wrapper."""
    backend: ObjectStorage = request.getfixturevalue(f"{request.param}_storage")
    return backend
