"""On the real stack, an upload over a limit is refused at upload with a 4xx naming the limit,
within seconds, while another user's ordinary upload goes through."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.integration.conftest import (
    MAX_DECOMPRESSED_BYTES,
    new_session,
    upload,
    wait_task,
)
from tests.support.bombs import gzip_bomb, wide_csv, xlsx_bomb
from tests.support.stack import Stack

BOMBS = [
    ("wide.csv", wide_csv(10_000), 422, "too_many_columns", "MODULARDATA_LIMIT_COLUMNS"),
    ("bomb.xlsx", xlsx_bomb(3_000_000), 422, "too_many_rows", "1,048,576"),
    (
        "bomb.csv.gz",
        gzip_bomb(2 * MAX_DECOMPRESSED_BYTES),
        413,
        "decompressed_too_large",
        "MODULARDATA_LIMIT_DECOMPRESSED_BYTES",
    ),
]


@pytest.mark.parametrize(
    ("filename", "content", "status", "code", "named"), BOMBS, ids=[b[0] for b in BOMBS]
)
def test_an_upload_over_a_limit_is_refused_at_upload(
    client: httpx.Client, filename: str, content: bytes, status: int, code: str, named: str
) -> None:
    session_id = new_session(client)
    started = time.monotonic()
    response = upload(client, session_id, content, filename)
    assert time.monotonic() - started < 5
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert named in error["message"]
    assert client.get(f"/v1/sessions/{session_id}/history").json()["nodes"] == []


def test_another_users_upload_goes_through_meanwhile(stack: Stack, client: httpx.Client) -> None:
    with stack.client(stack.create_key("other-user")) as other:
        session_id = new_session(other)
        bomb_sessions = [new_session(client) for _ in BOMBS]
        with ThreadPoolExecutor(len(BOMBS) + 1) as pool:
            refusals = [
                pool.submit(upload, client, session, content, filename)
                for session, (filename, content, *_) in zip(bomb_sessions, BOMBS, strict=True)
            ]
            ordinary = pool.submit(upload, other, session_id, b"name,age\nAda,36\nAlan,41\n")
            response = ordinary.result()
            assert [r.result().status_code for r in refusals] == [b[2] for b in BOMBS]
        assert response.status_code == 202, response.text
        task = wait_task(other, response.json()["task_id"], timeout_s=30)
        assert task["status"] == "succeeded", task
