"""A single-use worker, forked from the template process: confined at birth, it runs exactly
one snippet, answers, and exits, so nothing a snippet does can outlive its run."""

from __future__ import annotations

import os
import socket
from types import TracebackType
from typing import Any, NoReturn

import numpy as np
import pandas as pd
import pyarrow as pa

from modulardata.executor.confinement import (
    CHANNEL_FD,
    Confinement,
    confine_worker,
    limit_run,
)
from modulardata.executor.exceptions import ChannelBroken, ResultRejected, SnippetRejected
from modulardata.executor.framing import Body, recv_frame, send_frame
from modulardata.executor.guards import SNIPPET_FILENAME, compile_snippet, snippet_globals
from modulardata.executor.transfer import frame_to_ipc

MAX_INPUT_BYTES = 8 * 1024 * 1024 * 1024
MAX_ERROR_CHARS = 1_000
RUNNING = "running"
"""Stage a worker reports once its input is loaded and the snippet starts."""


def serve(channel_fd: int, confinement: Confinement) -> NoReturn:
    """Confine this process, run the one job the service sends, answer, and exit."""
    confine_worker(channel_fd, confinement)
    channel = socket.socket(fileno=CHANNEL_FD)
    warm_allocators()
    try:
        header, body = recv_frame(channel, timeout_s=None, max_body=MAX_INPUT_BYTES)
        try:
            answer, payload = run_job(channel, header, body)
        except BaseException as exc:  # a failure of the worker itself, said as well as can be
            answer, payload = _failure(f"the sandbox failed: {describe_error(exc)}"), b""
        send_frame(channel, answer, payload)
    except ChannelBroken:
        pass  # the service retired this worker or went away: nothing to answer
    os._exit(0)


def warm_allocators() -> None:
    """Round-trip a few megabytes while idle, so the run finds its memory pools faulted in.

    A fresh fork has to fault in every page it writes; doing that here, before the job
    arrives, takes several milliseconds off each run.
    """
    rows = 200_000
    frame = pd.DataFrame(
        {"n": np.arange(rows, dtype=np.float64), "s": np.array(["ab", "cdefg"] * (rows // 2))}
    )
    data = frame_to_ipc(frame)
    pa.ipc.open_stream(data).read_all().to_pandas(use_threads=False)
    np.ones(8 * 1024 * 1024)  # 64 MiB touched and freed: the heap keeps it


def run_job(
    channel: socket.socket, job: dict[str, Any], body: bytearray
) -> tuple[dict[str, Any], Body]:
    """Run the job's snippet on the frame in `body`: the answer header and result body."""
    memory_mb = int(job["memory_mb"])
    try:
        code = compile_snippet(str(job["code"]))
    except SnippetRejected as exc:
        return _failure(f"the snippet was refused: {exc}"), b""
    # No threads: a worker may not start any (RLIMIT_NPROC is 0).
    df = pa.ipc.open_stream(pa.py_buffer(body)).read_all().to_pandas(use_threads=False)
    del body
    limit_run(memory_mb=memory_mb, cpu_s=float(job["timeout_s"]) + 1)
    send_frame(channel, {"stage": RUNNING})
    namespace = snippet_globals(df)
    try:
        exec(code, namespace)
        result = namespace.get("df")
        if not isinstance(result, pd.DataFrame):
            kind = type(result).__name__
            return _failure(f"the snippet must leave a DataFrame in df, not a {kind}"), b""
        return {"ok": True}, memoryview(frame_to_ipc(result))
    except MemoryError:
        return _failure(f"the snippet ran out of memory (the limit is {memory_mb} MB)"), b""
    except ResultRejected as exc:
        return _failure(str(exc)), b""
    except BaseException as exc:  # anything the snippet raised is the user's error to read
        return _failure(describe_error(exc)), b""


def describe_error(exc: BaseException) -> str:
    """`line N: Type: message`, with N the snippet's line where the error surfaced."""
    line = _snippet_line(exc.__traceback__)
    where = f"line {line}: " if line is not None else ""
    text = f"{where}{type(exc).__name__}: {exc}"
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def _snippet_line(traceback: TracebackType | None) -> int | None:
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == SNIPPET_FILENAME:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _failure(error: str) -> dict[str, Any]:
    return {"ok": False, "error": error}
