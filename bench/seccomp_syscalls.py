"""Measure the system calls sandbox workers make once their seccomp filter is in: what
`modulardata.sandbox.syscall_filter.ALLOWED` is derived from.

    uv run python bench/seccomp_syscalls.py

Runs the benign corpus (libs/sandbox/tests/test_benign.py), the sandbox benchmark's
snippet on 100k rows and a few snippets that load code or data lazily, in a sandbox whose
filter only logs (`SeccompMode.LOG`), all under `strace -f`. Then, for every worker, it counts
the calls made after the filter was loaded, and prints how many workers made each, the calls
the enforcing filter would refuse (which must be none) and the allowed calls none made.
With --attacks it traces the attack corpus (libs/sandbox/tests/test_attacks.py) instead,
sent straight to the workers as the test without the static policy does: a call it would
refuse is an attack that got past every layer above the kernel. Needs strace.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from modulardata.sandbox.sandbox import Sandbox
from modulardata.sandbox.syscall_filter import ALLOWED, WRITE_FLAGS, SeccompMode

ROOT = Path(__file__).resolve().parent.parent
EXTRA = [
    "df['when'] = pd.to_datetime(df['signup'], errors='coerce').dt.tz_localize('Europe/Paris')",
    "df['when'] = pd.to_datetime(df['signup'], errors='coerce', utc=True).dt.tz_convert('UTC')",
    "df['r'] = np.random.default_rng().random(len(df))",
    "df['s'] = df['name'].astype('string[pyarrow]').str.upper()",
    "df['u'] = df['city'].str.normalize('NFKD')",
    "df = df.convert_dtypes()",
    "df['t'] = pd.Timestamp.now()",
    "df['a'] = df['age'].interpolate(method='akima')",
    "x = list(range(10**7))\nx.extend(range(10**7))",
    "df['k'] = df['city'].str.casefold().str.encode('utf-8').str.decode('latin-1')",
    "df = df.describe().reset_index()",
    "df['m'] = df['nope']",
    "x = np.ones(10**10)",
    "def f(n):\n    return f(n + 1)\nf(0)",
    "x = [str(i) * 50 for i in range(10**6)]",
]
"""Snippets past the corpus: time zone data, generators, Arrow strings, Unicode tables, an
optional dependency that is missing, a list that outgrows the heap, and the ways a snippet fails
(an error, too much memory, too deep a recursion)."""
SIZES = (100_000, 1_000_000)
"""Rows of the frames the sandbox benchmark's snippet runs on."""
_CALL = re.compile(r"^([a-z0-9_]+)\((.*)")
_FILTER_LOADED = re.compile(r"^(seccomp\(SECCOMP_SET_MODE_FILTER|prctl\(PR_SET_SECCOMP).* = 0$")
"""A filter loaded (libseccomp's probes for kernel features fail, and do not count)."""
_TEMPLATE_CHECK = '"/dev/null", O_WRONLY'
"""The template's own check that the filter refuses a write open (`prepare_filter`)."""


def run_workload(attacks: bool) -> None:
    """Run every snippet in a logging sandbox (this is what runs under strace)."""
    if attacks:
        run_attacks(Sandbox(pool_size=2, seccomp=SeccompMode.LOG))
        return
    benign = load("libs/sandbox/tests/test_benign.py")
    sandbox_overhead = load("bench/sandbox_overhead.py")
    sandbox = Sandbox(pool_size=2, seccomp=SeccompMode.LOG)
    sandbox.start()
    try:
        jobs = [(code, benign.customers()) for _, code in benign.BENIGN]
        jobs += [(code, benign.customers()) for code in EXTRA]
        jobs += [(sandbox_overhead.SNIPPET, sandbox_overhead.frame(rows)) for rows in SIZES]
        for code, frame in jobs:
            result = sandbox.execute(code, frame, timeout_s=60, memory_mb=2048)
            if not result.ok:
                print(f"ended with an error: {code[:60]!r}: {result.error}", file=sys.stderr)
    finally:
        sandbox.close()


def run_attacks(sandbox: Sandbox) -> None:
    """Send the whole attack corpus straight to the workers, past the static policy."""
    from modulardata.sandbox.transfer import frame_to_ipc

    # The corpus imports its canaries from the tests' conftest, so it loads as their package.
    package = ModuleType("executor_tests")
    package.__path__ = [str(ROOT / "services/executor/tests")]
    sys.modules[package.__name__] = package
    corpus = importlib.import_module("executor_tests.test_attacks")
    with tempfile.TemporaryDirectory(prefix="seccomp-attacks-") as folder:
        placeholders = {
            "CANARY_FILE": os.path.join(folder, "pwned"),
            "SECRET_FILE": os.path.join(folder, "absent-secret"),
            "CANARY_PORT": "9",
            "SECRET_NAME": "MODULARDATA_NO_SUCH_SECRET",
        }
        sandbox.start()
        try:
            for name, code, _ in corpus.ALL_ATTACKS:
                for placeholder, value in placeholders.items():
                    code = code.replace(placeholder, value)
                job = {"code": code, "timeout_s": 1.5, "memory_mb": 512}
                body = memoryview(frame_to_ipc(corpus.FRAME))
                outcome = sandbox.pool.run(job, body, timeout_s=1.5, max_result_bytes=10**8)
                print(f"{name}: {outcome.error or 'ran'}", file=sys.stderr)
            if os.path.exists(placeholders["CANARY_FILE"]):
                raise AssertionError("an attack wrote its canary file")
        finally:
            sandbox.close()


def load(path: str) -> ModuleType:
    """The module in `path` (relative to the repository), which is not on the import path."""
    spec = importlib.util.spec_from_file_location(Path(path).stem, ROOT / path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def calls_after_filter(trace: Path) -> list[tuple[str, str]] | None:
    """(name, arguments) of each call in one process's trace after its filter was loaded."""
    calls: list[tuple[str, str]] = []
    loaded = False
    for line in trace.read_text(errors="replace").splitlines():
        match = _CALL.match(line)
        if match is None:
            continue
        if loaded:
            calls.append((match.group(1), match.group(2)))
        elif _FILTER_LOADED.match(line):
            loaded = True
    if not loaded or any(_TEMPLATE_CHECK in arguments for _, arguments in calls):
        return None
    return calls


def refused(name: str, arguments: str) -> bool:
    """Whether the enforcing filter refuses this call."""
    allowed = {call for group in ALLOWED.values() for call in group}
    if name == "openat":
        flags = arguments.split(", ")[2] if arguments.count(", ") >= 2 else ""
        return any(getattr(os, flag, 0) & WRITE_FLAGS for flag in flags.split("|"))
    if name == "ioctl":
        return not arguments.split(", ")[1:2] == ["TCGETS"]
    return name not in allowed


def report(traces: list[Path]) -> None:
    """Print what the workers' traces show."""
    workers = 0
    seen: collections.Counter[str] = collections.Counter()
    refusals: collections.Counter[str] = collections.Counter()
    for trace in traces:
        calls = calls_after_filter(trace)
        if calls is None:
            continue
        workers += 1
        seen.update({name for name, _ in calls})
        refusals.update(
            {f"{name}({arguments[:60]}" for name, arguments in calls if refused(name, arguments)}
        )
    print(f"{workers} workers traced after their filter was loaded")
    for name, count in sorted(seen.items()):
        print(f"  {name:<20} in {count} workers")
    allowed = {call for group in ALLOWED.values() for call in group}
    print(f"refused by the enforcing filter: {dict(refusals) or 'none'}")
    print(f"allowed but made by no worker: {sorted(allowed - set(seen)) or 'none'}")


def main() -> None:
    """Trace the workload, then report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--attacks",
        action="store_true",
        help="trace the attack corpus instead, sent straight to the workers: what got as far as "
        "the kernel shows as calls the enforcing filter would refuse",
    )
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_workload(args.attacks)
        return
    strace = shutil.which("strace")
    if strace is None:
        sys.exit("strace is needed: apt-get install strace")
    with tempfile.TemporaryDirectory(prefix="seccomp-trace-") as folder:
        prefix = os.path.join(folder, "trace")
        command = [strace, "-f", "-ff", "-qq", "-s", "64", "-o", prefix]
        workload = [sys.executable, __file__, "--run", *(["--attacks"] if args.attacks else [])]
        subprocess.run([*command, *workload], check=True)
        report(sorted(Path(folder).iterdir()))


if __name__ == "__main__":
    main()
