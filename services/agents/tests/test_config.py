"""The crew runs whenever a model is configured: MODULARDATA_LLM, a provider key or Ollama."""

from __future__ import annotations

import os

import pytest

from modulardata.agents.config import (
    DEFAULT_OLLAMA_MODEL,
    PROVIDER_KEYS,
    QUIET_CREWAI,
    AgentsSettings,
    quiet_crewai,
)

VARIABLES = (
    "MODULARDATA_LLM",
    "MODULARDATA_AGENTS_LLM",
    "OLLAMA_API_BASE",
    "OLLAMA_HOST",
    *PROVIDER_KEYS,
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_no_model_means_the_rule_planner_alone() -> None:
    assert AgentsSettings().model() is None


def test_an_explicit_model_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODULARDATA_LLM", "ollama/qwen2.5")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:11434")
    assert AgentsSettings().model() == ("ollama/qwen2.5", None)


def test_a_provider_key_alone_picks_that_providers_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "key")
    assert AgentsSettings().model() == (PROVIDER_KEYS["ANTHROPIC_API_KEY"], None)


def test_an_ollama_url_alone_serves_the_default_local_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:11434")
    assert AgentsSettings().model() == (DEFAULT_OLLAMA_MODEL, "http://127.0.0.1:11434")


def test_quieting_crewai_keeps_the_sdk_on_when_traces_are_exported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in QUIET_CREWAI:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    quiet_crewai()
    assert "OTEL_SDK_DISABLED" not in os.environ
    assert os.environ["CREWAI_DISABLE_TELEMETRY"] == "true"
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT")
    quiet_crewai()
    assert os.environ["OTEL_SDK_DISABLED"] == "true"
