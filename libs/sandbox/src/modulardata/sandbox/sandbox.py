"""The sandbox's front door: `Sandbox.execute` runs an untrusted pandas snippet through every
layer and says, in plain words, why it did not run when it did not.

1. `policy`: the static rules on the syntax tree, checked here in the service.
2. `guards`: RestrictedPython compilation and guarded access, inside the worker.
3. `confinement`, `syscall_filter`, `zygote`, `worker`, `pool`: a separate, confined,
   single-use process.
4. `transfer`: Arrow IPC both ways, and validation of what comes back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from modulardata.sandbox.exceptions import ResultRejected, SnippetRejected
from modulardata.sandbox.policy import check_policy
from modulardata.sandbox.pool import WorkerPool
from modulardata.sandbox.syscall_filter import SeccompMode
from modulardata.sandbox.transfer import ResultLimits, frame_to_ipc, ipc_to_frame

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MEMORY_MB = 1024
DEFAULT_POOL_SIZE = 2


@dataclass(frozen=True)
class ExecutionResult:
    """What came of running a snippet: the new frame, or a reason a user can act on."""

    ok: bool
    df: pd.DataFrame | None
    error: str | None
    duration_ms: float


class Sandbox:
    """A warm pool of confined workers and the limits results must respect."""

    def __init__(
        self,
        *,
        pool_size: int = DEFAULT_POOL_SIZE,
        limits: ResultLimits | None = None,
        seccomp: SeccompMode = SeccompMode.ENFORCE,
    ) -> None:
        self.pool = WorkerPool(pool_size, seccomp=seccomp)
        self.limits = limits or ResultLimits()

    def start(self) -> None:
        """Start the workers now rather than on the first run."""
        self.pool.start()

    def execute(
        self,
        code: str,
        df: pd.DataFrame | pa.Table,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        memory_mb: int = DEFAULT_MEMORY_MB,
    ) -> ExecutionResult:
        """Run `code` on a copy of `df` (a frame, or an Arrow table the worker makes one of) in
        a fresh worker; the result is what it left in `df`.

        The snippet sees `df`, `pd`, `np`, `re`, `math` and `datetime` and must leave its result
        in `df`. `ok` is False when a rule refused it, it raised, ran out of time (`timeout_s`)
        or memory (`memory_mb` beyond its input), or left something that is not a plain
        DataFrame; `error` then says which, with the snippet's line when there is one. Raises
        `SandboxUnavailable` only when no worker can be started at all.
        """
        started = time.perf_counter()

        def failure(error: str) -> ExecutionResult:
            return ExecutionResult(False, None, error, _elapsed_ms(started))

        try:
            check_policy(code)
        except SnippetRejected as exc:
            return failure(f"the snippet was refused: {exc}")
        job = {"code": code, "timeout_s": timeout_s, "memory_mb": memory_mb}
        try:
            # Encoded once the job is sent, while the worker compiles the snippet.
            outcome = self.pool.run(
                job,
                lambda: memoryview(frame_to_ipc(df)),
                timeout_s=timeout_s,
                max_result_bytes=self.limits.max_bytes,
            )
        except ResultRejected as exc:  # only encoding the input raises it
            return failure(f"the input cannot be sent to the sandbox: {exc}")
        if not outcome.ok:
            return failure(outcome.error or "the snippet failed")
        try:
            result = ipc_to_frame(outcome.body, self.limits)
        except ResultRejected as exc:
            return failure(str(exc))
        return ExecutionResult(True, result, None, _elapsed_ms(started))

    def close(self) -> None:
        """Stop the workers."""
        self.pool.close()


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
