"""The warm pool, on the service's side: it starts the template process, keeps single-use
workers ready, sends each job to one of them under a hard wall-clock deadline, and replaces
every worker after its run, killed or not.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from modulardata.sandbox.confinement import Confinement, clean_environment
from modulardata.sandbox.exceptions import ChannelBroken, ResultRejected, SandboxUnavailable
from modulardata.sandbox.framing import Body, recv_frame, send_frame
from modulardata.sandbox.syscall_filter import SeccompMode
from modulardata.sandbox.worker import MAX_ERROR_CHARS, RUNNING, WARM_FOR_BYTES

log = logging.getLogger(__name__)

_LOAD_TIMEOUT_S = 60.0
"""Most time a worker may take to load its input before the snippet starts."""
_RECENT_INPUTS = 8
"""Inputs remembered to size each new worker's warm-up."""
_SIGNAL_REASONS = {
    signal.SIGXCPU: "the snippet used more CPU time than allowed and was stopped",
    signal.SIGKILL: "the sandbox process was killed (most likely it ran out of memory)",
    signal.SIGSEGV: "the snippet crashed the sandbox process",
    signal.SIGSYS: "the snippet made a system call the sandbox forbids and was stopped",
}


@dataclass(frozen=True)
class Outcome:
    """What came of one job: the answer of the worker or the reason it gave none."""

    ok: bool
    error: str | None
    body: bytearray


@dataclass
class _Worker:
    pid: int
    channel: socket.socket
    pidfd: int


class WorkerPool:
    """`size` warm single-use workers forked from one confined template process."""

    def __init__(
        self,
        size: int,
        *,
        seccomp: SeccompMode = SeccompMode.ENFORCE,
        start_timeout_s: float = 120.0,
    ) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self._size = size
        self._seccomp = seccomp
        self._start_timeout_s = start_timeout_s
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._control_lock = threading.Lock()
        self._keeper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-keeper")
        self._template: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._workdir: str | None = None
        self.confinement: Confinement | None = None
        self._recent_inputs: tuple[int, ...] = ()
        """Sizes of the last inputs, replaced whole (read by the keeper's thread)."""

    def start(self) -> None:
        """Start the template process and fill the pool; idempotent."""
        with self._control_lock:
            if self._template is not None and self._template.poll() is None:
                return
            if self._template is not None:
                log.warning("the sandbox template process died; starting a new one")
                self._discard_orphans()
            self._start_template()
        for _ in range(self._size):
            self._idle.put(self._spawn())

    def run(
        self,
        job: dict[str, Any],
        body: Body | Callable[[], Body],
        *,
        timeout_s: float,
        max_result_bytes: int,
    ) -> Outcome:
        """Run one job in a fresh worker, killing it if the snippet exceeds `timeout_s`.

        `body` is the input frame, or a function that makes it: called once the job is sent,
        so the worker compiles the snippet meanwhile. What it raises is raised here, and the
        worker, which then got no input, is retired like any other.
        """
        self.start()
        worker = self._take()
        try:
            return self._exchange(worker, job, body, timeout_s, max_result_bytes)
        finally:
            self._keeper.submit(self._replace, worker)

    def close(self) -> None:
        """Stop every worker and the template process."""
        self._keeper.shutdown(wait=True)
        while not self._idle.empty():
            self._retire(self._idle.get_nowait())
        with self._control_lock:
            if self._control is not None:
                self._control.close()
                self._control = None
            if self._template is not None:
                try:
                    self._template.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._template.kill()
                    self._template.wait()
                self._template = None
            if self._workdir is not None:
                shutil.rmtree(self._workdir, ignore_errors=True)
                self._workdir = None

    def _exchange(
        self,
        worker: _Worker,
        job: dict[str, Any],
        body: Body | Callable[[], Body],
        timeout_s: float,
        max_bytes: int,
    ) -> Outcome:
        try:
            send_frame(worker.channel, job)
        except ChannelBroken:
            return _failed(self._death_reason(worker))
        data = body() if callable(body) else body
        self._recent_inputs = (*self._recent_inputs[-_RECENT_INPUTS + 1 :], memoryview(data).nbytes)
        try:
            send_frame(worker.channel, {}, data)
            header, _ = recv_frame(worker.channel, timeout_s=_LOAD_TIMEOUT_S, max_body=0)
            if header.get("stage") == RUNNING:
                header, result = recv_frame(worker.channel, timeout_s=timeout_s, max_body=max_bytes)
            else:
                result = bytearray()
        except TimeoutError:
            self._kill(worker)
            return _failed(f"the snippet took longer than {timeout_s:g} s and was stopped")
        except ResultRejected as exc:
            self._kill(worker)
            return _failed(str(exc))
        except ChannelBroken:
            return _failed(self._death_reason(worker))
        if header.get("ok") is True:
            return Outcome(True, None, result)
        error = header.get("error")
        text = error[:MAX_ERROR_CHARS] if isinstance(error, str) else "the snippet failed"
        return _failed(text)

    def _take(self) -> _Worker:
        try:
            return self._idle.get(timeout=self._start_timeout_s)
        except queue.Empty:
            raise SandboxUnavailable("no sandbox worker became ready in time") from None

    def _replace(self, worker: _Worker) -> None:
        self._retire(worker)
        try:
            self._idle.put(self._spawn())
        except SandboxUnavailable:
            log.exception("could not replace a sandbox worker")

    def _retire(self, worker: _Worker) -> None:
        self._kill(worker)
        worker.channel.close()
        os.close(worker.pidfd)
        try:
            self._reap(worker.pid)
        except SandboxUnavailable:
            pass  # the template is gone, and its workers with it

    def _discard_orphans(self) -> None:
        # Workers of a dead template died with it (parent-death signal) and were reaped by init.
        while not self._idle.empty():
            worker = self._idle.get_nowait()
            worker.channel.close()
            os.close(worker.pidfd)
        if self._control is not None:
            self._control.close()
            self._control = None

    def _kill(self, worker: _Worker) -> None:
        try:
            signal.pidfd_send_signal(worker.pidfd, signal.SIGKILL)
        except ProcessLookupError:
            pass  # it already ended

    def _death_reason(self, worker: _Worker) -> str:
        self._kill(worker)
        try:
            exit_code = self._reap(worker.pid)
        except SandboxUnavailable:
            return "the sandbox process stopped unexpectedly"
        worker.pid = -1  # reaped: retiring it must not wait for it again
        if exit_code < 0:
            reason = _SIGNAL_REASONS.get(signal.Signals(-exit_code))
            if reason is not None:
                return reason
            return f"the sandbox process stopped on signal {signal.Signals(-exit_code).name}"
        return f"the sandbox process stopped unexpectedly (exit code {exit_code})"

    def _spawn(self) -> _Worker:
        # Warmed for the largest recent input (the full warm-up before the first).
        expected = max(self._recent_inputs, default=WARM_FOR_BYTES)
        answer, fds = self._ask({"op": "spawn", "expected_bytes": expected}, expect_fds=2)
        channel_fd, pidfd = fds
        return _Worker(int(answer["pid"]), socket.socket(fileno=channel_fd), pidfd)

    def _reap(self, pid: int) -> int:
        if pid < 0:
            return 0
        answer, _ = self._ask({"op": "reap", "pid": pid}, expect_fds=0)
        return int(answer["exit_code"])

    def _ask(self, request: dict[str, Any], *, expect_fds: int) -> tuple[dict[str, Any], list[int]]:
        with self._control_lock:
            if self._control is None:
                raise SandboxUnavailable("the sandbox is not running")
            try:
                self._control.send(json.dumps(request).encode())
                message, fds, _, _ = socket.recv_fds(self._control, 4096, max(expect_fds, 1))
            except OSError as exc:
                raise SandboxUnavailable(f"the sandbox template process failed: {exc}") from exc
            if not message or len(fds) != expect_fds:
                for fd in fds:
                    os.close(fd)
                raise SandboxUnavailable("the sandbox template process stopped")
            answer: dict[str, Any] = json.loads(message)
            return answer, fds

    def _start_template(self) -> None:
        self._workdir = tempfile.mkdtemp(prefix="modulardata-sandbox-")
        os.chmod(self._workdir, 0o755)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._template = subprocess.Popen(
            [
                *(sys.executable, "-I", "-m", "modulardata.sandbox.zygote"),
                *(str(theirs.fileno()), self._seccomp.value),
            ],
            env=clean_environment(self._workdir),
            cwd=self._workdir,
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        theirs.close()
        ours.settimeout(self._start_timeout_s)
        started = time.monotonic()
        try:
            ready = json.loads(ours.recv(65536) or b"{}")
        except (OSError, ValueError) as exc:
            raise SandboxUnavailable(f"the sandbox did not start: {exc}") from exc
        if not ready.get("ready"):
            raise SandboxUnavailable("the sandbox template process stopped while starting")
        ours.settimeout(None)
        self._control = ours
        report = ready["confinement"]
        self.confinement = Confinement(
            network_isolated=bool(report["network_isolated"]),
            filesystem_read_only=bool(report["filesystem_read_only"]),
            unprivileged_user=bool(report["unprivileged_user"]),
            reads_all_files=bool(report["reads_all_files"]),
            notes=tuple(report["notes"]),
            syscalls_filtered=bool(report["syscalls_filtered"]),
        )
        log.info(
            "sandbox template ready in %.1f s: %s", time.monotonic() - started, self.confinement
        )


def _failed(error: str) -> Outcome:
    return Outcome(False, error, bytearray())
