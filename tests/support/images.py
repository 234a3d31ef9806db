"""The service images `make images` builds (deploy/images/build.sh): one per service directory,
each a target of deploy/images/Containerfile, named `modulardata/<service>:<workspace version>`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "deploy" / "images" / "Containerfile"
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "pyproject.toml").is_file())
PREFIX = "modulardata"


def workspace_version() -> str:
    """The default tag of every image."""
    version: str = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    return version


def image_repository(service: str) -> str:
    """The image's name without its tag."""
    return f"{PREFIX}/{service}"


def image_name(service: str) -> str:
    """The image `make images` tags for a service."""
    return f"{image_repository(service)}:{workspace_version()}"


def containerfile_stages() -> dict[str, list[str]]:
    """Each stage of the Containerfile by name, with its instructions (continuations joined)."""
    text = re.sub(r"\\\n\s*", " ", CONTAINERFILE.read_text())
    stages: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        line = line.strip()
        if match := re.fullmatch(r"FROM \S+ AS (\S+)", line):
            current = stages.setdefault(match.group(1), [])
        elif current is not None and line and not line.startswith("#"):
            current.append(line)
    return stages
