"""The template process: started with a clean environment, it confines itself, imports and
warms pandas, numpy and pyarrow once, disarms their I/O, then forks one single-use worker per
request of the service. It never runs a snippet itself, so every worker starts pristine.

Run as `python -I -m modulardata.sandbox.zygote FD MODE`, FD being its control socket (a
SOCK_SEQPACKET pair end) and MODE the `SeccompMode` of the workers' system call filter.
Requests and answers are single JSON datagrams, and a spawned worker's channel and pidfd travel
with the answer as SCM_RIGHTS descriptors.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import socket
import sys
from typing import Any

import pandas as pd
import pyarrow as pa

from modulardata.sandbox import worker
from modulardata.sandbox.confinement import Confinement, isolate_template
from modulardata.sandbox.disarm import disarm_io
from modulardata.sandbox.guards import compile_snippet, snippet_globals
from modulardata.sandbox.syscall_filter import SeccompMode, prepare_filter
from modulardata.sandbox.transfer import frame_to_ipc

_WARM_UP = """
df["when"] = pd.to_datetime(df["day"], errors="coerce")
df["name"] = df["name"].str.strip().str.title().str.replace(r"\\s+", " ", regex=True)
df["score"] = df["score"].fillna(df["score"].median()).astype(float)
df["rank"] = df.groupby("name")["score"].transform("mean")
df["flag"] = np.where(df["score"] > 1, "high", "low")
df = df.merge(df[["name"]].drop_duplicates(), on="name").query("score >= 0")
df["band"] = pd.cut(df["score"], bins=[-1, 1, 10], labels=["low", "high"])
"""


def main() -> None:
    """Serve spawn and reap requests until the service closes the control socket."""
    control = socket.socket(fileno=int(sys.argv[1]))
    confinement = isolate_template()
    syscalls, refusal = prepare_filter(SeccompMode(sys.argv[2]))
    confinement = dataclasses.replace(
        confinement,
        syscalls_filtered=refusal is None,
        notes=confinement.notes + ((refusal,) if refusal else ()),
    )
    warm_up()
    disarm_io()
    # Keep the collector off the template's objects, so workers do not copy every page.
    gc.freeze()
    ready = {"ready": True, "confinement": dataclasses.asdict(confinement)}
    control.send(json.dumps(ready).encode())
    while True:
        try:
            request = control.recv(4096)
        except OSError:
            return
        if not request:
            return  # the service is gone; workers die with us (parent-death signal)
        command = json.loads(request)
        if command["op"] == "spawn":
            _spawn(control, confinement, syscalls, int(command["expected_bytes"]))
        elif command["op"] == "reap":
            _, status = os.waitpid(int(command["pid"]), 0)
            answer = {"pid": command["pid"], "exit_code": os.waitstatus_to_exitcode(status)}
            control.send(json.dumps(answer).encode())


def warm_up() -> None:
    """Load the code paths ordinary snippets use, so forked workers do not pay for them.

    Each worker runs it once more while idle (see `worker.serve`), so it must keep to what a
    worker may do: no threads, no files.
    """
    df = pd.DataFrame(
        {
            "name": [" ada  lovelace", "alan turing", None],
            "day": ["2024-01-31", "not a date", None],
            "score": [1.5, None, 3.0],
        }
    )
    # Loaded as a worker loads its input, without threads: workers rehearse this too.
    loaded = pa.ipc.open_stream(frame_to_ipc(df)).read_all().to_pandas(use_threads=False)
    namespace = snippet_globals(loaded)
    exec(compile_snippet(_WARM_UP), namespace)
    frame_to_ipc(namespace["df"])


def _spawn(
    control: socket.socket, confinement: Confinement, syscalls: Any, expected_bytes: int
) -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        try:
            worker.serve(
                theirs.fileno(),
                confinement,
                rehearse=warm_up,
                syscalls=syscalls,
                expected_bytes=expected_bytes,
            )
        finally:
            os._exit(70)
    theirs.close()
    pidfd = os.pidfd_open(pid)
    answer = json.dumps({"pid": pid}).encode()
    socket.send_fds(control, [answer], [ours.fileno(), pidfd])
    ours.close()
    os.close(pidfd)


if __name__ == "__main__":
    main()
