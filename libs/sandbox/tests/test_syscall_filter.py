"""The seccomp filter on its own: in a real worker, confined and filtered the way the pool's
are, code that reaches a forbidden system call gets EPERM at once, and the run ends with a
reason, never a hang.

No snippet can name `os`: the harness below is a small template process that hands its
workers' snippets a few direct system calls, as if every layer above the kernel had failed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from modulardata.sandbox.confinement import clean_environment
from modulardata.sandbox.framing import recv_frame, send_frame
from modulardata.sandbox.sandbox import Sandbox
from modulardata.sandbox.syscall_filter import SeccompMode
from modulardata.sandbox.transfer import ResultLimits, frame_to_ipc, ipc_to_frame
from modulardata.sandbox.worker import RUNNING

from .conftest import Canaries

HARNESS = textwrap.dedent(
    """
    import ctypes, os, socket, sys, threading
    from modulardata.sandbox import worker
    from modulardata.sandbox.confinement import isolate_template
    from modulardata.sandbox.guards import snippet_globals
    from modulardata.sandbox.syscall_filter import SeccompMode, prepare_filter

    port, target = int(sys.argv[1]), sys.argv[2]
    libc = ctypes.CDLL(None, use_errno=True)

    def via_libc(name, *args):
        if getattr(libc, name)(*args) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))

    CALLS = {
        "fork": os.fork,
        "thread": lambda: threading.Thread(target=print).start(),
        "execve": lambda: os.execv("/bin/sh", ["sh", "-c", f"touch {target}"]),
        "socket": lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM),
        "connect": lambda: socket.create_connection(("127.0.0.1", port), timeout=2),
        "open-write": lambda: open(target, "w"),
        "mkdir": lambda: os.mkdir(target),
        "kill": lambda: os.kill(1, 0),
        "ptrace": lambda: via_libc("ptrace", 0, 0, 0, 0),
        "unshare": lambda: via_libc("unshare", 0x10000000),
        "mount": lambda: via_libc("mount", b"none", b"/tmp", b"tmpfs", 0, None),
        "setuid": lambda: os.setuid(0),
    }

    def with_system_calls(df):
        namespace = snippet_globals(df)
        namespace["CALLS"] = CALLS
        return namespace

    worker.snippet_globals = with_system_calls
    confinement = isolate_template()
    syscalls, refusal = prepare_filter(SeccompMode.ENFORCE)
    assert refusal is None, refusal
    channels = [int(fd) for fd in sys.argv[3:]]
    for fd in channels:
        if os.fork() == 0:
            worker.serve(fd, confinement, syscalls=syscalls)
        os.close(fd)
    for _ in channels:
        os.wait()
    """
)
ATTEMPTS = """
outcomes = []
for name in sorted(CALLS):
    try:
        CALLS[name]()
        outcomes.append('succeeded')
    except Exception as error:
        outcomes.append(str(error))
df = pd.DataFrame({'call': sorted(CALLS), 'outcome': outcomes})
"""
"""Every forbidden call in turn, each outcome kept: the run goes on after a refusal."""
REFUSED = "[Errno 1] Operation not permitted"


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory, canaries: Canaries) -> Iterator[list[Any]]:
    """The answers of two filtered workers: to `ATTEMPTS`, and to an unhandled fork."""
    folder = tmp_path_factory.mktemp("harness")
    script = folder / "harness.py"
    script.write_text(HARNESS)
    pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(2)]
    ends = [theirs.fileno() for _, theirs in pairs]
    env = {**clean_environment(str(folder)), "PYTHONPATH": os.pathsep.join(sys.path)}
    harness = subprocess.Popen(
        [sys.executable, str(script), str(canaries.port), str(canaries.absent_file)]
        + [str(end) for end in ends],
        env=env,
        pass_fds=ends,
        stdout=subprocess.DEVNULL,
    )
    for _, theirs in pairs:
        theirs.close()
    try:
        yield [
            _run(ours, code)
            for (ours, _), code in zip(pairs, (ATTEMPTS, "CALLS['fork']()"), strict=True)
        ]
    finally:
        harness.kill()
        harness.wait()
        for ours, _ in pairs:
            ours.close()


def _run(channel: socket.socket, code: str) -> Any:
    """Send one job as the pool does; the frame it left, or the error it answered."""
    send_frame(channel, {"code": code, "timeout_s": 20, "memory_mb": 256})
    send_frame(channel, {}, memoryview(frame_to_ipc(pd.DataFrame({"a": [1]}))))
    header, _ = recv_frame(channel, timeout_s=60, max_body=0)
    assert header == {"stage": RUNNING}
    header, body = recv_frame(channel, timeout_s=20, max_body=10**7)
    return ipc_to_frame(body, ResultLimits()) if header["ok"] else header["error"]


def test_every_forbidden_call_is_refused_with_eperm(answers: list[Any], canaries: Canaries) -> None:
    outcomes = answers[0]
    assert isinstance(outcomes, pd.DataFrame)
    refused = dict(zip(outcomes["call"], outcomes["outcome"], strict=True))
    # A thread is refused too; Python says so in its own words.
    assert refused.pop("thread") == "can't start new thread"
    # Without the filter fork would fail on the process limit (EAGAIN), connect on the network
    # namespace and the write on the read-only mounts: EPERM shows the filter stopped each first.
    assert {
        call: outcome.startswith(REFUSED) for call, outcome in refused.items()
    } == dict.fromkeys(refused, True), refused
    assert len(refused) == 11
    canaries.assert_untouched(outcomes)


def test_an_unhandled_refusal_ends_the_run_with_a_reason(answers: list[Any]) -> None:
    assert answers[1] == (
        f"line 1: PermissionError: {REFUSED} (a system call the sandbox does not allow)"
    )


def test_the_pool_reports_the_filter(sandbox: Sandbox) -> None:
    confinement = sandbox.pool.confinement
    assert confinement is not None
    assert confinement.syscalls_filtered or any(
        "system call filter" in n for n in confinement.notes
    )


def test_filtered_workers_still_read_time_zones(sandbox: Sandbox) -> None:
    frame = pd.DataFrame({"day": ["2024-03-31 01:30", "2024-03-31 03:30"]})
    code = "df['paris'] = pd.to_datetime(df['day']).dt.tz_localize('Europe/Paris').astype(str)"
    result = sandbox.execute(code, frame)
    assert result.ok, result.error
    assert result.df is not None
    assert result.df["paris"].tolist() == ["2024-03-31 01:30:00+01:00", "2024-03-31 03:30:00+02:00"]


def test_turned_off_the_filter_is_reported_not_assumed() -> None:
    box = Sandbox(pool_size=1, seccomp=SeccompMode.OFF)
    try:
        box.start()
        confinement = box.pool.confinement
        assert confinement is not None
        assert not confinement.syscalls_filtered
        assert "the system call filter is off (MODULARDATA_EXECUTOR_SECCOMP=off)" in (
            confinement.notes
        )
        assert box.execute("df['b'] = df['a'] + 1", pd.DataFrame({"a": [1]})).ok
    finally:
        box.close()
