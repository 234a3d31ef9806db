"""Services talk over Kafka only: no service's code imports another service. What two of them
share lives in a library under `libs/`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "src").is_dir())
LIBRARIES = sorted(p.name for p in (ROOT / "libs").iterdir() if (p / "src").is_dir())


def imported_modules(source: Path) -> set[str]:
    """Every module a file imports, absolute names only."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def _foreign(package: str, allowed: set[str]) -> list[str]:
    found = []
    for source in sorted((ROOT / package / "src").rglob("*.py")):
        for module in imported_modules(source):
            parts = module.split(".")
            if parts[0] == "modulardata" and len(parts) > 1 and parts[1] not in allowed:
                found.append(f"{source.relative_to(ROOT)}: {module}")
    return found


def test_every_service_and_library_is_seen() -> None:
    assert {"gateway", "versioning", "profiler", "agents", "executor"} <= set(SERVICES)
    assert {"contracts", "messaging", "storage"} <= set(LIBRARIES)


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_only_itself_and_the_libraries(service: str) -> None:
    assert _foreign(f"services/{service}", {service, *LIBRARIES}) == []


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_library_imports_no_service(library: str) -> None:
    assert _foreign(f"libs/{library}", set(LIBRARIES)) == []


def test_the_check_sees_a_cross_service_import(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("from modulardata.versioning.readmodels import NodeView\nimport os\n")
    assert "modulardata.versioning.readmodels" in imported_modules(source)
