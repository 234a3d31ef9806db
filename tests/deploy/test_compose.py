"""docker-compose.yml runs the whole stack from the images `make images` builds: every service
checked for health, started only after what it needs, the executor and the agents twice, every
variable it needs given in .env.example."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.support.images import ROOT, SERVICES, image_name

COMPOSE = ROOT / "docker-compose.yml"


def _services() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())["services"]
    return services


def _defaults(text: str) -> str:
    """The text with each ${NAME:-default} replaced by its default."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", text)


def test_the_stack_has_the_infrastructure_and_every_service() -> None:
    assert {"kafka", "postgres", "minio", *SERVICES} <= set(_services())


def test_the_services_run_the_images_make_images_builds() -> None:
    services = _services()
    for name in SERVICES:
        assert _defaults(services[name]["image"]) == image_name(name)
    assert _defaults(services["setup"]["image"]) == image_name("versioning")


def test_every_long_running_container_is_checked_for_health() -> None:
    for name, service in _services().items():
        if service.get("restart") == "no" or name == "minio-bucket":
            continue  # one-shot setup containers
        assert "healthcheck" in service, name


def test_everything_starts_after_what_it_needs_is_healthy_or_done() -> None:
    for name, service in _services().items():
        for needed, condition in service.get("depends_on", {}).items():
            assert condition["condition"] in (
                "service_healthy",
                "service_completed_successfully",
            ), (name, needed)
    assert "versioning" in _services()["gateway"]["depends_on"]


def test_the_executor_and_the_agents_run_twice_and_everything_stores_on_s3() -> None:
    services = _services()
    assert services["executor"]["deploy"]["replicas"] == 2
    assert services["agents"]["deploy"]["replicas"] == 2
    for name in SERVICES:
        environment = services[name]["environment"]
        assert environment["STORAGE_URL"].startswith("s3://"), name
        assert services[name]["read_only"] is True
        assert services[name]["cap_drop"] == ["ALL"]


def test_every_variable_the_stack_needs_is_in_the_env_example() -> None:
    needed = set(re.findall(r"\$\{([A-Z_]+)\}", COMPOSE.read_text()))
    example = (ROOT / ".env.example").read_text()
    given = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    assert needed
    assert needed <= given
