"""Composition root: settings to storage, Kafka bus, sandbox, planners and handler, as one
FastStream app."""

from __future__ import annotations

import asyncio

from faststream import FastStream
from faststream.kafka import KafkaBroker

from modulardata.agents.config import AgentsSettings
from modulardata.agents.domain import ChatPlanner
from modulardata.agents.handlers import FAILURES, chat_handler
from modulardata.agents.ports import CodePlanner
from modulardata.agents.rules import RulePlanner
from modulardata.contracts import topics
from modulardata.contracts.commands import PlanChatMessage
from modulardata.messaging.bus import Bus, make_broker
from modulardata.messaging.metrics import WorkerMetrics
from modulardata.messaging.service import run_service, service_app
from modulardata.messaging.steps import by_type
from modulardata.sandbox.sandbox import Sandbox
from modulardata.storage.counting import CountingStorage

GROUP_ID = "modulardata-agents"


def build_planner(settings: AgentsSettings, sandbox: Sandbox) -> ChatPlanner:
    """The rule planner, with the crew behind it when a model is configured (its Tester dry-runs
    snippets in `sandbox`)."""
    crew: CodePlanner | None = None
    model = settings.model()
    if model:
        # Imported only with a model: crewai is large and slow to import.
        from modulardata.agents.adapters.profiler import profile_summary
        from modulardata.agents.adapters.sandbox import SandboxDryRun
        from modulardata.agents.crew import CrewPlanner, build_llm

        crew = CrewPlanner(
            build_llm(model[0], base_url=model[1]),
            SandboxDryRun(sandbox),
            profile_summary,
            max_retries=settings.max_retries,
            profile_tokens=settings.profile_tokens,
        )
    return ChatPlanner(RulePlanner(), crew)


def create_broker(
    settings: AgentsSettings, planner: ChatPlanner, metrics: WorkerMetrics
) -> KafkaBroker:
    """A broker with the agents' handler subscribed (what it stores counted in `metrics`)."""
    broker = make_broker(settings, client_id=GROUP_ID)
    bus = Bus(broker, settings)
    handler = chat_handler(
        bus,
        CountingStorage(settings.open_storage(), metrics.storage_written.inc),
        planner,
        sample_rows=settings.sample_rows,
        recent=settings.recent_messages,
    )
    routed = by_type({PlanChatMessage: handler}, topics.AGENTS_COMMANDS)
    bus.subscribe(topics.AGENTS_COMMANDS, GROUP_ID, routed, classifier=FAILURES)
    return broker


def create_app(settings: AgentsSettings | None = None) -> FastStream:
    """The agents service; its topics are created on startup if missing. The sandbox starts its
    workers on the first dry run, so without a model it costs nothing."""
    resolved = settings or AgentsSettings()
    sandbox = Sandbox(pool_size=resolved.dry_run_workers)
    metrics = WorkerMetrics()
    broker = create_broker(resolved, build_planner(resolved, sandbox), metrics)
    app = service_app(broker, resolved, metrics=metrics)

    @app.after_shutdown
    async def stop_sandbox() -> None:
        await asyncio.to_thread(sandbox.close)

    return app


def main() -> None:
    """Run the agents until they are stopped."""
    run_service("agents", create_app)
