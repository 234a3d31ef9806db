"""The tests pick their infrastructure in a fixed order."""

from __future__ import annotations

from tests.support.infrastructure import choose_source

BOTH = {"KAFKA_BOOTSTRAP_SERVERS": "k:9092", "DATABASE_URL": "postgresql://db/x"}


def test_the_environment_wins() -> None:
    assert choose_source(dict(BOTH), local_answers=True, docker_answers=True) == "environment"


def test_the_makefiles_infrastructure_comes_next() -> None:
    assert choose_source({}, local_answers=True, docker_answers=True) == "local"
    half = {"KAFKA_BOOTSTRAP_SERVERS": "k:9092"}
    assert choose_source(half, local_answers=True, docker_answers=False) == "local"


def test_containers_only_when_docker_answers() -> None:
    assert choose_source({}, local_answers=False, docker_answers=True) == "containers"
    assert choose_source({}, local_answers=False, docker_answers=False) == "none"
