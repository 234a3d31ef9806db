"""Composition root: settings to storage, Kafka bus, planners and handler, as one FastStream app."""

from __future__ import annotations

from faststream import FastStream
from faststream.kafka import KafkaBroker

from modulardata.agents.config import AgentsSettings
from modulardata.agents.domain import ChatPlanner
from modulardata.agents.handlers import FAILURES, chat_handler
from modulardata.agents.ports import CodePlanner
from modulardata.agents.rules import RulePlanner
from modulardata.contracts import topics
from modulardata.messaging.bus import Bus, make_broker
from modulardata.messaging.service import run_service, service_app

GROUP_ID = "modulardata-agents"


def build_planner(settings: AgentsSettings) -> ChatPlanner:
    """The rule planner, with the crew behind it when a model is configured."""
    crew: CodePlanner | None = None
    model = settings.model()
    if model:
        # Imported only with a model: crewai is large and slow to import.
        from modulardata.agents.adapters.profiler import profile_summary
        from modulardata.agents.adapters.sandbox import sandbox_dry_run
        from modulardata.agents.crew import CrewPlanner, build_llm

        crew = CrewPlanner(
            build_llm(model[0], base_url=model[1]),
            sandbox_dry_run,
            profile_summary,
            max_retries=settings.max_retries,
            profile_tokens=settings.profile_tokens,
        )
    return ChatPlanner(RulePlanner(), crew)


def create_broker(settings: AgentsSettings, planner: ChatPlanner | None = None) -> KafkaBroker:
    """A broker with the agents' handler subscribed."""
    broker = make_broker(settings, client_id=GROUP_ID)
    bus = Bus(broker, settings)
    handler = chat_handler(
        bus,
        settings.open_storage(),
        planner or build_planner(settings),
        sample_rows=settings.sample_rows,
        recent=settings.recent_messages,
    )
    bus.subscribe(topics.AGENTS_COMMANDS, GROUP_ID, handler, classifier=FAILURES)
    return broker


def create_app(settings: AgentsSettings | None = None) -> FastStream:
    """The agents service; its topics are created on startup if missing."""
    resolved = settings or AgentsSettings()
    return service_app(create_broker(resolved), resolved)


def main() -> None:
    """Run the agents until they are stopped."""
    run_service(create_app)
