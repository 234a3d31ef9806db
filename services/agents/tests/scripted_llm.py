"""A language model for tests: CrewAI's LLM boundary with scripted replies per agent role."""

from __future__ import annotations

import copy
from typing import Any

from crewai.llms.base_llm import BaseLLM
from pydantic import Field


class ScriptedLLM(BaseLLM):
    """Answers each agent from its own queue of replies and records every prompt it saw."""

    replies: dict[str, list[str]] = Field(default_factory=dict)
    prompts: list[tuple[str, str]] = Field(default_factory=list)

    def call(
        self,
        messages: Any,
        tools: Any = None,
        callbacks: Any = None,
        available_functions: Any = None,
        from_task: Any = None,
        from_agent: Any = None,
        response_model: Any = None,
    ) -> str:
        role = from_agent.role if from_agent is not None else ""
        text = (
            messages
            if isinstance(messages, str)
            else "\n".join(str(m.get("content", "")) for m in copy.deepcopy(messages))
        )
        self.prompts.append((role, text))
        queue = self.replies.get(role)
        if not queue:
            raise AssertionError(f"no scripted reply left for {role!r}")
        return queue.pop(0)

    def seen_by(self, role: str) -> list[str]:
        """The prompts the agent with this role was sent, in order."""
        return [text for r, text in self.prompts if r == role]
