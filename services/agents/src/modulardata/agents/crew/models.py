"""The crew's language model, from configuration: any LiteLLM model id, at temperature 0."""

from __future__ import annotations

from crewai import LLM
from crewai.llms.base_llm import BaseLLM


def build_llm(model: str, *, base_url: str | None = None) -> BaseLLM:
    """A deterministic (temperature 0) model; provider keys come from their usual variables."""
    return LLM(model=model, temperature=0, base_url=base_url)
