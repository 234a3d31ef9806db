"""Measure the system calls sandbox workers make once their seccomp filter is in: what
`modulardata.executor.syscall_filter.ALLOWED` is derived from.

    uv run python bench/seccomp_syscalls.py

Runs the benign corpus (services/executor/tests/test_benign.py), the sandbox benchmark's
snippet on 100k rows and a few snippets that load code or data lazily, in a sandbox whose
filter only logs (`SeccompMode.LOG`), all under `strace -f`. Then, for every worker, it counts
the calls made after the filter was loaded, and prints how many workers made each, the calls
the enforcing filter would refuse (which must be none) and the allowed calls none made.
Needs strace.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from modulardata.executor.syscall_filter import ALLOWED, WRITE_FLAGS, SeccompMode

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


def run_workload() -> None:
    """Run every snippet in a logging sandbox (this is what runs under strace)."""
    from modulardata.executor.sandbox import Sandbox

    benign = load("services/executor/tests/test_benign.py")
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
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)
    if parser.parse_args().run:
        run_workload()
        return
    strace = shutil.which("strace")
    if strace is None:
        sys.exit("strace is needed: apt-get install strace")
    with tempfile.TemporaryDirectory(prefix="seccomp-trace-") as folder:
        prefix = os.path.join(folder, "trace")
        command = [strace, "-f", "-ff", "-qq", "-s", "64", "-o", prefix]
        subprocess.run([*command, sys.executable, __file__, "--run"], check=True)
        report(sorted(Path(folder).iterdir()))


if __name__ == "__main__":
    main()
