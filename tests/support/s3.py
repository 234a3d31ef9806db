"""A real S3-API server (moto's) on loopback with one fresh bucket, for stacks storing on S3."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from moto.server import ThreadedMotoServer

from modulardata.storage import S3Storage, open_storage

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


@contextmanager
def s3_bucket() -> Iterator[tuple[dict[str, str], str]]:
    """The environment that points a service at the bucket (`s3://<bucket>/data`), and the
    bucket's name; the server stops afterwards."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    bucket = f"md-{uuid.uuid4().hex[:12]}"
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in AWS_ENV.items():
                patch.setenv(name, value)
            storage = open_storage(f"s3://{bucket}/data", endpoint_url=endpoint)
            assert isinstance(storage, S3Storage)
            storage.ensure_bucket()
        yield (
            {**AWS_ENV, "STORAGE_URL": f"s3://{bucket}/data", "AWS_ENDPOINT_URL": endpoint},
            bucket,
        )
    finally:
        server.stop()
