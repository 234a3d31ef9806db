"""A single-use worker, forked from the template process: confined at birth, it runs exactly
one snippet, answers, and exits, so nothing a snippet does can outlive its run."""

from __future__ import annotations

import contextlib
import errno
import os
import socket
from collections.abc import Callable
from types import CodeType, TracebackType
from typing import Any, NoReturn

import numpy as np
import pandas as pd
import pyarrow as pa

from modulardata.sandbox.confinement import (
    CHANNEL_FD,
    Confinement,
    confine_worker,
    limit_run,
    virtual_memory_bytes,
)
from modulardata.sandbox.exceptions import ChannelBroken, ResultRejected, SnippetRejected
from modulardata.sandbox.framing import Body, recv_frame, send_frame
from modulardata.sandbox.guards import SNIPPET_FILENAME, compile_snippet, snippet_globals
from modulardata.sandbox.syscall_filter import install_filter
from modulardata.sandbox.transfer import frame_to_ipc

MAX_INPUT_BYTES = 8 * 1024 * 1024 * 1024
MAX_ERROR_CHARS = 1_000
_HEAP_WARM_BLOCKS = 4
_HEAP_WARM_BLOCK = 16 * 1024 * 1024
"""Under the mmap threshold of `clean_environment`, so the blocks come from the heap."""
_OBJECT_WARM_BYTES = 24 * 1024 * 1024
_OBJECT_SIZE = 400
"""Bytes of each warm-up object: under the object allocator's 512-byte limit."""
_FRAME_WARM_ROWS = 200_000
WARM_FOR_BYTES = 4 * 1024 * 1024
"""The input size (Arrow IPC bytes, a 100k-row table of a few columns) the full warm-up is
made for; a worker expecting a smaller input warms in proportion, as its run will need less."""
_PIN_BITS = 18
"""One object is kept per 256 KiB of addresses (2 ** 18 bytes), so at least one in each of the
object allocator's arenas, which are 1 MiB in CPython 3.11 but not aligned to 1 MiB."""
RUNNING = "running"
"""Stage a worker reports once its input is loaded and the snippet starts."""


def serve(
    channel_fd: int,
    confinement: Confinement,
    *,
    rehearse: Callable[[], None] | None = None,
    syscalls: Any = None,
    expected_bytes: int = WARM_FOR_BYTES,
) -> NoReturn:
    """Confine this process, run the one job the service sends, answer, and exit.

    `rehearse`, the template's own warm-up (a fixed snippet on a fixed frame), runs once more
    here while the worker is idle: it touches the template's pages that common snippets touch,
    so the copies on write that a fresh fork pays for happen before the job, not during it.
    `syscalls`, the template's system call filter, if any, goes in just before the snippet runs.
    `expected_bytes`, the input size the service expects, sizes the allocators' warm-up.
    """
    confine_worker(channel_fd, confinement)
    channel = socket.socket(fileno=CHANNEL_FD)
    if rehearse is not None:
        with contextlib.suppress(Exception):  # it only saves time; a run never depends on it
            rehearse()
    before = virtual_memory_bytes()
    pins = warm_allocators(min(1.0, expected_bytes / WARM_FOR_BYTES))  # noqa: F841 - held for the worker's life, see warm_allocators
    prewarmed = max(0, virtual_memory_bytes() - before)
    try:
        # The job comes first and its input after it, so the snippet compiles while the
        # service is still encoding the frame.
        header, _ = recv_frame(channel, timeout_s=None, max_body=0)
        try:
            answer, payload = run_job(channel, header, prewarmed_bytes=prewarmed, syscalls=syscalls)
        except BaseException as exc:  # a failure of the worker itself, said as well as can be
            answer, payload = _failure(f"the sandbox failed: {describe_error(exc)}"), b""
        send_frame(channel, answer, payload)
    except ChannelBroken:
        pass  # the service retired this worker or went away: nothing to answer
    os._exit(0)


def warm_allocators(share: float = 1.0) -> list[bytes]:
    """Round-trip a few megabytes while idle, so the run finds its memory pools faulted in;
    `share` (0 to 1) of the full warm-up, which costs about 100 ms of CPU: a run on a small
    input would not use those pools, and on a busy host the CPU is what every worker lacks.

    A fresh fork has to fault in every page it writes; doing that here, before the job
    arrives, takes several milliseconds off each run. Two pools matter:

    - glibc's heap, for numpy and pandas buffers. Blocks under the mmap threshold that the
      template's environment sets (see `clean_environment`) come from the heap, which the trim
      threshold keeps, faulted in, once they are freed. (A single block over the threshold
      would be mmap-ed and unmapped again, touching nothing the run can reuse.)
    - Python's object allocator, for every string and small object a snippet makes (a text
      column of 100k rows is that many strings). It takes 1 MiB arenas straight from mmap and
      unmaps an arena as soon as it is empty, so the objects the warm-up made are dropped but
      one per arena, which the caller must hold: the arenas stay, their pages faulted in, and
      the run's objects fill them.

    Everything here is made in this worker after the fork, from constants: nothing of a run can
    be in it, and the worker is used once.
    """
    rows = 2 * round(share * _FRAME_WARM_ROWS / 2)
    frame = pd.DataFrame(
        {"n": np.arange(rows, dtype=np.float64), "s": np.array(["ab", "cdefg"] * (rows // 2))}
    )
    data = frame_to_ipc(frame)
    pa.ipc.open_stream(data).read_all().to_pandas(use_threads=False)
    blocks = [np.ones(_HEAP_WARM_BLOCK // 8) for _ in range(round(share * _HEAP_WARM_BLOCKS))]
    del blocks  # freed to the heap's top, which stays: not trimmed below the trim threshold
    # Few large small objects: quick to make, and their pools serve any size once freed.
    objects = [
        bytes(_OBJECT_SIZE) for _ in range(round(share * _OBJECT_WARM_BYTES) // _OBJECT_SIZE)
    ]
    pins: dict[int, bytes] = {}
    for obj in objects:
        pins.setdefault(id(obj) >> _PIN_BITS, obj)
    del objects
    return list(pins.values())


def run_job(
    channel: socket.socket,
    job: dict[str, Any],
    *,
    prewarmed_bytes: int = 0,
    syscalls: Any = None,
) -> tuple[dict[str, Any], Body]:
    """Run the job's snippet on the frame that follows it: the answer header and result body.

    `prewarmed_bytes` of free, warmed memory the worker holds count against the job's limit;
    `syscalls`, a system call filter, is installed for good once the input is loaded.
    """
    memory_mb = int(job["memory_mb"])
    try:
        code: CodeType | None = compile_snippet(str(job["code"]))
        refusal = None
    except SnippetRejected as exc:
        code, refusal = None, str(exc)
    _, body = recv_frame(channel, timeout_s=None, max_body=MAX_INPUT_BYTES)
    if code is None:
        return _failure(f"the snippet was refused: {refusal}"), b""
    # No threads: a worker may not start any (RLIMIT_NPROC is 0).
    df = pa.ipc.open_stream(pa.py_buffer(body)).read_all().to_pandas(use_threads=False)
    del body
    limit_run(
        memory_mb=memory_mb, cpu_s=float(job["timeout_s"]) + 1, prewarmed_bytes=prewarmed_bytes
    )
    install_filter(syscalls)
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
    except OSError as exc:
        refused = syscalls is not None and exc.errno == errno.EPERM
        note = " (a system call the sandbox does not allow)" if refused else ""
        return _failure(describe_error(exc) + note), b""
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
