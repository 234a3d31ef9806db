"""Layer 3's last step: a seccomp filter that leaves a worker only the system calls a pandas
snippet needs once its input is loaded, installed just before the snippet runs.

The allow-list was measured, not guessed: `bench/seccomp_syscalls.py` runs the benign corpus
and the sandbox benchmark under strace with the filter in `log` mode and prints every call the
workers made after the filter went in. Anything else fails with EPERM: the call never happens,
and the snippet ends on a `PermissionError` that names its line, where a kill would leave only
a signal to report. A call from another architecture's table (the i386 ABI on x86-64), which
no library makes, kills the worker.

Built once in the template process (libseccomp through `pyseccomp`) and inherited by every
fork, so a worker only has to load it.
"""

from __future__ import annotations

import errno
import os
import termios
from enum import StrEnum
from typing import Any

ALLOWED: dict[str, tuple[str, ...]] = {
    # Memory: glibc's heap and its mmap-ed blocks, Python's object arenas, numpy's and Arrow's
    # buffers (madvise: the huge pages glibc asks for). mremap and mprotect were never made: a
    # refused mremap only makes realloc copy.
    "memory": ("brk", "mmap", "munmap", "madvise"),
    # The answer to the service, on the channel (fd 3) opened before; the input was read before
    # the filter went in.
    "channel": ("sendto",),
    # Read-only files: time zone data and the import system's probes for an optional package
    # (`openat` only without write flags and `ioctl` only as isatty's TCGETS, see below).
    "files": ("openat", "read", "lseek", "newfstatat", "close", "ioctl"),
    # Locks, of the interpreter and of numpy's and Arrow's caches.
    "locks": ("futex",),
    # Seeds for numpy's generators.
    "randomness": ("getrandom",),
    # Time: the vDSO answers it here without a system call; kept for kernels without a vDSO.
    "time": ("clock_gettime", "gettimeofday"),
    # The end of the run (`os._exit`).
    "exit": ("exit_group",),
}
"""System calls a worker may make once the filter is in, by what they are for."""

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_TMPFILE
"""`openat` with any of these flags is refused: a worker reads files, never writes them."""


class SeccompMode(StrEnum):
    """How the filter treats a system call outside the allow-list."""

    ENFORCE = "enforce"
    """Refuse it with EPERM."""
    LOG = "log"
    """Let it through and log it to the kernel's audit log (for measuring the allow-list)."""
    OFF = "off"
    """No filter at all: for debugging only."""


def build_filter(mode: SeccompMode) -> Any:
    """The filter for `mode`, ready to load (None for `OFF`); raises when libseccomp is absent."""
    if mode is SeccompMode.OFF:
        return None
    import pyseccomp  # the system's libseccomp is looked up on import

    default = pyseccomp.ERRNO(errno.EPERM) if mode is SeccompMode.ENFORCE else pyseccomp.LOG
    syscalls = pyseccomp.SyscallFilter(default)
    syscalls.set_attr(pyseccomp.Attr.ACT_BADARCH, pyseccomp.KILL_PROCESS)
    only = {
        "openat": pyseccomp.Arg(2, pyseccomp.MASKED_EQ, WRITE_FLAGS, 0),
        "ioctl": pyseccomp.Arg(1, pyseccomp.EQ, termios.TCGETS),
    }
    for group in ALLOWED.values():
        for name in group:
            syscalls.add_rule(pyseccomp.ALLOW, name, *([only[name]] if name in only else []))
    return syscalls


def prepare_filter(mode: SeccompMode) -> tuple[Any, str | None]:
    """The filter every worker will install, and what could not be enforced here, if anything.

    The filter is tried in a throwaway child first, so a kernel or a missing libseccomp that
    would keep workers unfiltered is reported when the sandbox starts, not assumed away.
    """
    if mode is SeccompMode.OFF:
        return None, "the system call filter is off (MODULARDATA_EXECUTOR_SECCOMP=off)"
    try:
        syscalls = build_filter(mode)
    except (RuntimeError, OSError) as exc:
        return None, f"no system call filter: libseccomp is unavailable ({exc})"
    if not _refuses_in_a_child(syscalls, mode):
        return None, "no system call filter: the kernel did not enforce it"
    if mode is SeccompMode.LOG:
        return syscalls, "the system call filter only logs (MODULARDATA_EXECUTOR_SECCOMP=log)"
    return syscalls, None


def install_filter(syscalls: Any) -> None:
    """Load `syscalls`, if any, into this process for good (libseccomp sets no-new-privileges)."""
    if syscalls is not None:
        syscalls.load()


def _refuses_in_a_child(syscalls: Any, mode: SeccompMode) -> bool:
    pid = os.fork()
    if pid == 0:
        try:
            install_filter(syscalls)
            try:
                os.close(os.open(os.devnull, os.O_WRONLY))
            except PermissionError:
                os._exit(0)
            os._exit(0 if mode is SeccompMode.LOG else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0
