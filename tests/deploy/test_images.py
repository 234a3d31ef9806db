"""The Containerfile builds every service from its own package, and an image carries only what
its package needs: the gateway none of the agents' CrewAI nor the sandbox."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib

import pytest

from tests.support.images import ROOT, SERVICES, containerfile_stages


def _installed(package: str) -> set[str]:
    """What `uv sync --frozen --no-dev --package` installs for a package (its lock closure)."""
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv not found (run the tests with `uv run`)"
    exported = subprocess.run(
        [uv, "export", "--frozen", "--no-dev", "--no-hashes", "--package", package],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    names = set()
    for line in exported.splitlines():
        if line.startswith("-e "):
            member = tomllib.loads((ROOT / line[3:] / "pyproject.toml").read_text())
            names.add(member["project"]["name"])
        elif line and not line.startswith((" ", "#")):
            names.add(line.split("==")[0])
    return names


def test_every_service_is_seen() -> None:
    assert SERVICES == ["agents", "executor", "gateway", "profiler", "versioning"]


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_image_installs_its_package_and_runs_its_command(service: str) -> None:
    stages = containerfile_stages()
    package = f"modulardata-{service}"
    build = " ".join(stages[f"build-{service}"])
    assert f"uv sync --frozen --no-dev --no-editable --package {package}" in build
    runtime = stages[service]
    assert f"COPY --from=build-{service} /app/.venv /app/.venv" in runtime
    [entrypoint] = [line for line in runtime if line.startswith("ENTRYPOINT ")]
    command = json.loads(entrypoint.removeprefix("ENTRYPOINT "))
    pyproject = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())
    assert command[0] in pyproject["project"]["scripts"]


def test_the_dependencies_layer_sees_every_workspace_member() -> None:
    members = sorted(str(p.parent.relative_to(ROOT)) for p in ROOT.glob("*/*/pyproject.toml"))
    builder = containerfile_stages()["builder"]
    assert [f"COPY {m}/pyproject.toml {m}/" for m in members] == [
        line for line in builder if line.startswith("COPY ") and "/pyproject.toml " in line
    ]
    for service in SERVICES:
        build = containerfile_stages()[f"build-{service}"]
        deps = f"--no-install-workspace --package modulardata-{service}"
        assert deps in build[0] and build[1] == "COPY . .", build


def test_the_runtime_runs_as_a_fixed_unprivileged_user() -> None:
    assert "USER 10001:10001" in containerfile_stages()["runtime"]


def test_the_gateway_image_carries_neither_crewai_nor_the_sandbox() -> None:
    gateway = _installed("modulardata-gateway")
    assert "fastapi" in gateway
    assert not {"crewai", "litellm", "modulardata-sandbox", "restrictedpython"} & gateway


def test_the_check_sees_what_the_agents_image_carries() -> None:
    assert {"crewai", "modulardata-sandbox"} <= _installed("modulardata-agents")
