"""Layer 3, the operating system: what confines the template process and each worker.

Linux only. The template process (see `zygote`) enters a new network namespace, with no
interface but a loopback that is down, and a new mount namespace in which every mount is
read-only. Each worker forked from it then closes every inherited descriptor, drops to the
unprivileged `nobody` user when started as root with the capabilities to switch to it and end
it (else it keeps the service's user, and gives up its capabilities), forbids new privileges
and takes resource limits: no new processes or threads, no file writes, few descriptors, and
per run an address space and CPU time budget; last, just before the snippet runs, a seccomp
filter (see `syscall_filter`). Whatever the kernel refuses is recorded in the `Confinement`
report rather than silently assumed.
"""

from __future__ import annotations

import ctypes
import math
import os
import pwd
import resource
import signal
import sys
from dataclasses import dataclass

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
_MS_RDONLY = 1
_MS_REMOUNT = 32
_MS_BIND = 4096
_MS_REC = 16384
_MS_PRIVATE = 1 << 18
_MS_RELATIME = 1 << 21
_KEPT_MOUNT_FLAGS = 2 | 4 | 8 | 1024 | 2048  # nosuid, nodev, noexec, noatime, nodiratime
_ST_RELATIME = 4096
_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_KEEPCAPS = 8
_CAPABILITY_VERSION_3 = 0x20080522
_CAP_DAC_READ_SEARCH = 2
CHANNEL_FD = 3
"""Descriptor number of a worker's channel to the service once it is confined."""
MAX_OPEN_FILES = 16
NOBODY = "nobody"
_NOBODY_FALLBACK = 65534
_NOBODY_READS, _NOBODY_CANNOT_READ, _NOBODY_SWITCH_REFUSED, _NOBODY_UNKILLABLE = range(4)
_NOBODY_REFUSALS = {
    _NOBODY_SWITCH_REFUSED: f"switching to user '{NOBODY}' refused (no CAP_SETUID, CAP_SETGID)",
    _NOBODY_UNKILLABLE: f"a worker running as '{NOBODY}' could not be ended (no CAP_KILL)",
}

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Confinement:
    """What the operating system enforces on the workers of this machine."""

    network_isolated: bool
    filesystem_read_only: bool
    unprivileged_user: bool
    reads_all_files: bool
    notes: tuple[str, ...]
    syscalls_filtered: bool = False
    """Whether workers refuse system calls outside `syscall_filter.ALLOWED`, as checked by the
    template process (see `syscall_filter.prepare_filter`)."""


def clean_environment(workdir: str) -> dict[str, str]:
    """The whole environment of the template process: no inherited variable, so no secret."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
        # Keep freed heap memory faulted in, so a worker's warm-up spares its run page faults.
        "MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024),
        "MALLOC_TRIM_THRESHOLD_": str(512 * 1024 * 1024),
        "MALLOC_TOP_PAD_": str(64 * 1024 * 1024),
    }


def isolate_template() -> Confinement:
    """Enter new network and mount namespaces and make every mount read-only, where allowed."""
    notes: list[str] = []
    flags = CLONE_NEWNET | CLONE_NEWNS
    if os.geteuid() != 0:
        flags |= CLONE_NEWUSER
    uid, gid = os.getuid(), os.getgid()
    network = _call(_libc.unshare, flags, "unshare(network, mount)", notes)
    if network and flags & CLONE_NEWUSER:
        _map_identity(uid, gid, notes)
    read_only = network and _remount_read_only(notes)
    unprivileged = reads_all = False
    if flags & CLONE_NEWUSER:
        notes.append("not started as root: workers keep the service's user")
    else:
        check = _try_nobody()
        unprivileged = check in (_NOBODY_READS, _NOBODY_CANNOT_READ)
        reads_all = check == _NOBODY_CANNOT_READ
        if check in _NOBODY_REFUSALS:
            notes.append(
                f"{_NOBODY_REFUSALS[check]}: workers keep the service's user, "
                "without its capabilities; as root, only the seccomp filter stops them "
                "starting processes (RLIMIT_NPROC does not count root's)"
            )
    if reads_all:
        notes.append(
            f"user '{NOBODY}' cannot read the Python installation ({sys.base_prefix}), so "
            "workers keep the one capability to read any file (CAP_DAC_READ_SEARCH)"
        )
    return Confinement(network, read_only, unprivileged, reads_all, tuple(notes))


def confine_worker(channel_fd: int, confinement: Confinement) -> None:
    """Confine a freshly forked worker for good; its channel ends up as `CHANNEL_FD`."""
    os.dup2(channel_fd, CHANNEL_FD)
    os.closerange(CHANNEL_FD + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if confinement.unprivileged_user:
        # Not root, whose processes RLIMIT_NPROC does not count, and without capabilities but
        # possibly the one to read files (lazy imports need the Python installation).
        _libc.prctl(_PR_SET_KEEPCAPS, 1, 0, 0, 0)
        _become_nobody()
        _keep_only(_CAP_DAC_READ_SEARCH if confinement.reads_all_files else None)
    else:
        _keep_only(None)
    _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    # A write past the size limit must fail with an error, not kill the worker.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    for limit, value in (
        (resource.RLIMIT_NPROC, 0),
        (resource.RLIMIT_FSIZE, 0),
        (resource.RLIMIT_NOFILE, MAX_OPEN_FILES),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(limit, (value, value))


def limit_run(*, memory_mb: int, cpu_s: float, prewarmed_bytes: int = 0) -> None:
    """Budget the coming run: `memory_mb` more address space, `cpu_s` more CPU seconds.

    `prewarmed_bytes` is address space the worker reserved and freed before its job (its warmed
    memory pools), which the run can fill without growing: it counts against `memory_mb`.
    """
    current = virtual_memory_bytes()
    address_space = max(current, current + memory_mb * 1024 * 1024 - prewarmed_bytes)
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    used = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(used.ru_utime + used.ru_stime + cpu_s)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 1))


def virtual_memory_bytes() -> int:
    """This process's address space (VmSize), in bytes."""
    with open("/proc/self/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def _become_nobody() -> None:
    try:
        nobody = pwd.getpwnam(NOBODY).pw_uid
    except KeyError:
        nobody = _NOBODY_FALLBACK
    os.setgroups([])
    os.setgid(nobody)
    os.setuid(nobody)


def _try_nobody() -> int:
    """Whether a worker can become `nobody` and still be ended by the service, and whether
    `nobody` can then read every import path (pandas imports modules lazily): one of the
    `_NOBODY_*` outcomes, tried in a child as a worker would."""
    paths = [path for path in sys.path if os.path.isdir(path)]
    outcome_r, outcome_w = os.pipe()
    release_r, release_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(release_w)
        os.close(outcome_r)
        outcome = _NOBODY_SWITCH_REFUSED
        try:
            _become_nobody()
            outcome = _NOBODY_CANNOT_READ
            for path in paths:
                os.listdir(path)
            outcome = _NOBODY_READS
        finally:
            os.write(outcome_w, bytes([outcome]))
            os.read(release_r, 1)  # alive until the parent has tried to signal it
            os._exit(0)
    os.close(outcome_w)
    os.close(release_r)
    outcome = (os.read(outcome_r, 1) or bytes([_NOBODY_SWITCH_REFUSED]))[0]
    try:
        os.kill(pid, 0)  # the permission check of the SIGKILL that ends a used worker
    except PermissionError:
        outcome = _NOBODY_UNKILLABLE
    os.close(release_w)
    os.close(outcome_r)
    os.waitpid(pid, 0)
    return outcome


class _CapabilityHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapabilityData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _keep_only(capability: int | None) -> None:
    """Give up every capability for good but `capability`, if any."""
    header = _CapabilityHeader(_CAPABILITY_VERSION_3, 0)
    data = (_CapabilityData * 2)()
    if capability is not None:
        data[0].effective = data[0].permitted = 1 << capability
    if _libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset refused to drop capabilities")


def _call(function: ctypes._NamedFuncPointer, argument: int, what: str, notes: list[str]) -> bool:
    if function(argument) == 0:
        return True
    notes.append(f"{what} refused: {os.strerror(ctypes.get_errno())}")
    return False


def _map_identity(uid: int, gid: int, notes: list[str]) -> None:
    try:
        with open("/proc/self/setgroups", "w", encoding="ascii") as setgroups:
            setgroups.write("deny")
        with open("/proc/self/uid_map", "w", encoding="ascii") as uid_map:
            uid_map.write(f"{uid} {uid} 1")
        with open("/proc/self/gid_map", "w", encoding="ascii") as gid_map:
            gid_map.write(f"{gid} {gid} 1")
    except OSError as exc:
        notes.append(f"user namespace mapping refused: {exc.strerror}")


def _remount_read_only(notes: list[str]) -> bool:
    if _libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        notes.append(f"making mounts private refused: {os.strerror(ctypes.get_errno())}")
        return False
    refused = []
    for mount_point in _mount_points():
        try:
            flags = os.statvfs(mount_point).f_flag
        except OSError:
            continue  # a mount hidden under another one; the one on top is remounted
        kept = (flags & _KEPT_MOUNT_FLAGS) | (_MS_RELATIME if flags & _ST_RELATIME else 0)
        target = mount_point.encode()
        if _libc.mount(None, target, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | kept, None):
            refused.append(mount_point)
    if refused:
        notes.append(f"could not make read-only: {', '.join(refused)}")
    return not refused


def _mount_points() -> list[str]:
    with open("/proc/self/mountinfo", encoding="utf-8") as mountinfo:
        points = [line.split()[4] for line in mountinfo]
    # mountinfo escapes blanks and backslashes as octal, e.g. "\040" for a space.
    return list(
        dict.fromkeys(
            p.encode().decode("unicode_escape").encode("latin-1").decode() for p in points
        )
    )
