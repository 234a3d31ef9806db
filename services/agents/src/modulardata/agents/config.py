"""The agents' settings, read from `MODULARDATA_AGENTS_*` (the model from `MODULARDATA_LLM`)."""

from __future__ import annotations

import os

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from modulardata.messaging.settings import WorkerSettings
from modulardata.messaging.tracing import exporting
from modulardata.storage.settings import StorageSettings

QUIET_CREWAI = {
    "OTEL_SDK_DISABLED": "true",
    "CREWAI_DISABLE_TELEMETRY": "true",
    "CREWAI_DISABLE_TRACKING": "true",
    "CREWAI_TRACING_ENABLED": "false",
    "LITELLM_LOCAL_MODEL_COST_MAP": "true",
}
"""Environment that keeps CrewAI and LiteLLM off the network: with tracing on, every kickoff
waits about 15 s for a collector that is not there."""


def quiet_crewai() -> None:
    """Turn CrewAI telemetry and tracing off, unless the environment already sets them; the
    OpenTelemetry SDK stays on when an OTLP endpoint is configured, for the service's traces.

    Must run before crewai is imported: it reads these variables at import time.
    """
    for name, value in QUIET_CREWAI.items():
        if name != "OTEL_SDK_DISABLED" or not exporting():
            os.environ.setdefault(name, value)


PROVIDER_KEYS = {
    "OPENAI_API_KEY": "openai/gpt-4o-mini",
    "ANTHROPIC_API_KEY": "anthropic/claude-3-5-haiku-latest",
    "GEMINI_API_KEY": "gemini/gemini-2.0-flash",
    "MISTRAL_API_KEY": "mistral/mistral-small-latest",
}
"""Provider key variables LiteLLM reads, and the model used when only that key is configured."""

DEFAULT_OLLAMA_MODEL = "ollama/llama3.1"


class AgentsSettings(WorkerSettings, StorageSettings):
    """Everything the agents need to run."""

    model_config = SettingsConfigDict(
        env_prefix="MODULARDATA_AGENTS_", populate_by_name=True, extra="ignore"
    )

    llm: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MODULARDATA_LLM", "MODULARDATA_AGENTS_LLM"),
        description="LiteLLM model id for the crew, e.g. 'ollama/llama3.1' or "
        "'openai/gpt-4o-mini' (provider keys come from their usual variables); unset: the "
        "rule planner alone answers.",
    )
    llm_base_url: str | None = Field(
        default=None, description="Base URL of the model server, e.g. http://127.0.0.1:11434."
    )
    ollama_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OLLAMA_API_BASE", "OLLAMA_HOST"),
        description="A local Ollama server; with no MODULARDATA_LLM it serves DEFAULT_MODELS.",
    )
    provider_keys: frozenset[str] = Field(
        default_factory=lambda: frozenset(k for k in PROVIDER_KEYS if os.environ.get(k)),
        description="Provider API key variables that are set (their values stay in the env).",
    )

    def model(self) -> tuple[str, str | None] | None:
        """The crew's model and base URL: MODULARDATA_LLM, else a default for the provider key
        or Ollama server that is configured, else None (the rule planner alone answers)."""
        if self.llm:
            return self.llm, self.llm_base_url
        for variable, model in PROVIDER_KEYS.items():
            if variable in self.provider_keys:
                return model, self.llm_base_url
        if self.ollama_url:
            return DEFAULT_OLLAMA_MODEL, self.llm_base_url or self.ollama_url
        return None

    max_retries: int = Field(
        default=2, ge=0, le=10, description="Times the Engineer may rewrite a failing snippet."
    )
    dry_run_workers: int = Field(
        default=1, ge=1, le=16, description="Sandbox workers for the Tester's dry runs."
    )
    sample_rows: int = Field(
        default=200, ge=1, description="Head rows read for column info and the Tester's dry run."
    )
    recent_messages: int = Field(
        default=10, ge=0, description="Earlier chat turns the Strategist sees."
    )
    profile_tokens: int = Field(
        default=1500, ge=100, description="Token budget of the profile summary in prompts."
    )
