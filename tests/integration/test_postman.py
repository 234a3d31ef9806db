"""The Postman collection, run by newman against the real stack: its walkthrough calls every
endpoint as a client chains them, and every answer is held to the OpenAPI document
(postman/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.stack import Stack

REPO = Path(__file__).resolve().parents[2]
POSTMAN = REPO / "postman"
COLLECTION = POSTMAN / "modulardata.postman_collection.json"
NEWMAN = POSTMAN / "node_modules" / ".bin" / "newman"
RUN_TIMEOUT_S = 600


def failures(report: Path) -> list[str]:
    """One line per failed assertion of a newman JSON report: request, test, message."""
    if not report.exists():
        return []
    run: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))["run"]
    lines = []
    for failure in run.get("failures", []):
        error = failure.get("error", {})
        where = failure.get("source", {}).get("name", "?")
        lines.append(f"{where}: {error.get('test') or error.get('name')}: {error.get('message')}")
    return lines


def test_the_collection_is_generated_from_the_openapi_document() -> None:
    built = subprocess.run(
        [sys.executable, str(POSTMAN / "build_collection.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr


def test_every_request_of_the_postman_collection_passes(stack: Stack, tmp_path: Path) -> None:
    if not NEWMAN.exists():
        pytest.fail(f"{NEWMAN} is missing: `make deps` installs it (npm ci --prefix postman)")
    report = tmp_path / "newman.json"
    run = subprocess.run(
        [
            str(NEWMAN),
            "run",
            str(COLLECTION),
            "--folder",
            "Walkthrough",
            "--env-var",
            f"baseUrl={stack.url}",
            "--env-var",
            f"apiKey={stack.api_key}",
            # The upload's `src: examples/customers.csv` is relative to the repository root.
            "--working-dir",
            str(REPO),
            "--timeout-request",
            "60000",
            "--color",
            "off",
            "--reporters",
            "cli,json,junit",
            "--reporter-json-export",
            str(report),
            "--reporter-junit-export",
            str(tmp_path / "newman.xml"),
        ],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    failed = failures(report)
    assert run.returncode == 0, (
        f"newman exited {run.returncode} with {len(failed)} failed assertions:\n"
        + "\n".join(failed)
        + f"\n\nnewman output:\n{run.stdout}\n{run.stderr}"
        + f"\n\ngateway log:\n{stack.services['gateway'].log_tail()}"
    )
