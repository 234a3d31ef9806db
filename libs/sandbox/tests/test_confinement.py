"""Layer 3 on its own: a process confined like a worker cannot fork, write, connect or read
the service's secrets, whatever code it runs (here, plain Python with no guards at all)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from modulardata.sandbox.confinement import clean_environment

from .conftest import SECRET_NAME, Canaries

PROBE = textwrap.dedent(
    """
    import json, os, socket, sys
    from modulardata.sandbox.confinement import confine_worker, isolate_template, limit_run

    port, target, answer = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    confinement = isolate_template()
    confine_worker(answer, confinement)
    limit_run(memory_mb=256, cpu_s=5)
    seen = {"confinement": confinement.__dict__, "env": dict(os.environ)}

    def attempt(name, action):
        try:
            action()
            seen[name] = "succeeded"
        except BaseException as exc:
            seen[name] = type(exc).__name__

    def fork():
        if os.fork() == 0:
            os._exit(0)

    attempt("fork", fork)
    attempt("write", lambda: open(target, "w").close())
    attempt("connect", lambda: socket.create_connection(("127.0.0.1", port), timeout=2))
    attempt("allocate", lambda: bytearray(1024 * 1024 * 1024))
    with open("/proc/self/status") as status:
        seen["capabilities"] = [l.split()[1] for l in status if l.startswith("CapEff")][0]
    os.write(3, json.dumps(seen).encode())
    """
)


def run_probe(folder: Path, canaries: Canaries, *, without: str = "") -> dict[str, object]:
    """What a process confined like a worker saw; `without`, capabilities (setpriv's
    spelling, e.g. "setuid,setgid") the probe starts without, as a container may."""
    # Run in a fresh interpreter, as the template process is, with its clean environment.
    script = folder / "probe.py"
    script.write_text(PROBE)
    reader, writer = os.pipe()
    env = {**clean_environment(str(folder)), "PYTHONPATH": os.pathsep.join(sys.path)}
    dropped = ["setpriv", "--bounding-set", "-" + without.replace(",", ",-")] if without else []
    process = subprocess.Popen(
        [
            *(*dropped, sys.executable, str(script)),
            *(str(canaries.port), str(canaries.absent_file), str(writer)),
        ],
        env=env,
        pass_fds=[writer],
        stdout=subprocess.DEVNULL,
    )
    os.close(writer)
    with os.fdopen(reader, "rb") as answer:
        data = answer.read()
    process.wait(timeout=60)
    assert data, "the probe wrote nothing"
    seen: dict[str, object] = json.loads(data)
    return seen


@pytest.fixture
def probe(tmp_path: Path, canaries: Canaries) -> dict[str, object]:
    return run_probe(tmp_path, canaries)


def test_a_confined_process_cannot_fork_write_connect_or_overallocate(
    probe: dict[str, object], canaries: Canaries
) -> None:
    assert probe["fork"] == "BlockingIOError"
    assert probe["write"] in {"OSError", "PermissionError"}
    assert probe["connect"] == "OSError"
    assert probe["allocate"] == "MemoryError"
    canaries.assert_untouched(probe)


def test_a_confined_process_has_no_secret_and_no_privilege(probe: dict[str, object]) -> None:
    env = probe["env"]
    assert isinstance(env, dict)
    assert SECRET_NAME not in env
    confinement = probe["confinement"]
    assert isinstance(confinement, dict)
    allowed = (
        {"0000000000000000", "0000000000000004"}
        if confinement["reads_all_files"]
        else {"0000000000000000"}
    )
    assert probe["capabilities"] in allowed


@pytest.mark.skipif(os.geteuid() != 0, reason="the namespaces need root on this kind of host")
def test_what_is_enforced_on_this_machine(probe: dict[str, object]) -> None:
    confinement = probe["confinement"]
    assert isinstance(confinement, dict)
    assert confinement["network_isolated"] is True
    assert confinement["filesystem_read_only"] is True


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping a root's capabilities needs root")
@pytest.mark.parametrize(
    ("without", "refusal"),
    [
        ("setuid,setgid", "switching to user 'nobody' refused"),
        ("kill", "a worker running as 'nobody' could not be ended"),
    ],
)
def test_a_root_that_cannot_switch_to_nobody_or_end_it_reports_the_user_unenforced(
    tmp_path: Path, canaries: Canaries, without: str, refusal: str
) -> None:
    seen = run_probe(tmp_path, canaries, without=without)
    confinement = seen["confinement"]
    assert isinstance(confinement, dict)
    assert confinement["unprivileged_user"] is False
    assert confinement["reads_all_files"] is False
    assert any(note.startswith(refusal) for note in confinement["notes"]), confinement
    # The worker still runs, as the service's user but with no capability left.
    assert seen["capabilities"] == "0000000000000000"
    # Root's processes are not counted by RLIMIT_NPROC: here (no seccomp filter) it can fork.
    assert seen["fork"] == "succeeded"
    assert seen["write"] in {"OSError", "PermissionError"}
    assert seen["connect"] == "OSError"
    canaries.assert_untouched(seen)
