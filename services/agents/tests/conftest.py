"""The Tester's dry run, in the shared sandbox."""

from __future__ import annotations

import pytest

from modulardata.agents.adapters.sandbox import SandboxDryRun
from modulardata.sandbox.sandbox import Sandbox


@pytest.fixture
def dry_run(sandbox: Sandbox) -> SandboxDryRun:
    return SandboxDryRun(sandbox)
