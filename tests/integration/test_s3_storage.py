"""The whole upload path with S3 storage: a real S3-API server (moto's) on loopback."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.integration.conftest import new_session, upload, wait_task
from tests.support.postgres import fresh_database
from tests.support.s3 import s3_bucket
from tests.support.stack import Stack

CUSTOMERS = Path(__file__).parents[2] / "examples" / "customers.csv"


@pytest.fixture(scope="module")
def s3_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    """A second stack whose storage is a bucket on a moto server; yields it and the bucket."""
    with s3_bucket() as (storage_env, bucket), fresh_database("s3") as database_url:
        stack = Stack(
            database_url=database_url,
            workdir=tmp_path_factory.mktemp("s3-stack"),
            extra_env=storage_env,
        )
        stack.start()
        try:
            yield stack, bucket
        finally:
            stack.stop()


def test_upload_and_download_through_s3(s3_stack: tuple[Stack, str]) -> None:
    stack, bucket = s3_stack
    with stack.client() as client:
        session_id = new_session(client)
        task = wait_task(client, upload(client, session_id, CUSTOMERS).json()["task_id"])
        assert task["status"] == "succeeded", task
        node_id = task["result"]["node_id"]
        data = client.get(f"/v1/sessions/{session_id}/nodes/{node_id}/data")
    assert data.status_code == 200
    assert list(csv.reader(io.StringIO(data.text)))[0] == next(
        csv.reader(CUSTOMERS.open(encoding="utf-8"))
    )
    s3 = boto3.client(
        "s3",
        endpoint_url=stack.env["AWS_ENDPOINT_URL"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert f"data/sessions/{session_id}/nodes/{node_id}.parquet" in keys
    assert any(k.startswith(f"data/uploads/{session_id}/") for k in keys)
