"""Schemathesis against the live gateway: every check, every phase, with the stack's API key.

Runs the `schemathesis run` CLI on the OpenAPI document the gateway serves, with a fixed seed so
a failure can be replayed with the same command (printed below on failure).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.stack import Stack

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
SEED = 17
EXAMPLES_PER_OPERATION = 25
CONFIG = Path(__file__).with_name("schemathesis.toml")
RUN_TIMEOUT_S = 600
"""The whole run's: every phase on 19 operations takes minutes on a shared small machine."""
REQUEST_TIMEOUT_S = 30
"""Also the response-time check's limit (its default is 10 s): `make test` shares a small
machine, so speed is measured by the scripts in bench/, not by this test."""


def schemathesis_command(stack: Stack, report_dir: Path) -> list[str]:
    """The CLI call: all checks, all phases, authenticated with the stack's key."""
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(CONFIG),
        "run",
        f"{stack.url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--header",
        f"Authorization: Bearer {stack.api_key}",
        "--seed",
        str(SEED),
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--generation-database",
        "none",
        "--request-timeout",
        str(REQUEST_TIMEOUT_S),
        "--max-response-time",
        str(REQUEST_TIMEOUT_S),
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
        # One worker: with two, hypothesis' ast.parse in threads crashed CPython 3.11 ("AST
        # constructor recursion depth mismatch").
        "--workers",
        "1",
    ]
    return command


@pytest.mark.timeout(RUN_TIMEOUT_S + 180)  # and the stack's start
def test_the_api_passes_every_schemathesis_check(stack: Stack, tmp_path: Path) -> None:
    command = schemathesis_command(stack, tmp_path)
    # Run from the test's folder: schemathesis keeps a cache of what it found in its working one.
    run = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
    )
    print(run.stdout[-4000:])  # the summary, shown with -s or -rA
    assert run.returncode == 0, f"{' '.join(command)}\n{run.stdout[-20000:]}\n{run.stderr}"
