"""A PlanChatMessage command yields progress stages, then a plan, a head move or a question;
the agents send no command of their own."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from faststream import FastStream
from faststream.kafka import KafkaBroker, TestKafkaBroker

from modulardata.agents.columns import describe_columns
from modulardata.agents.config import AgentsSettings
from modulardata.agents.crew import CrewPlanner
from modulardata.agents.domain import ChatPlanner
from modulardata.agents.main import build_planner, create_app, create_broker
from modulardata.agents.outcomes import Planned
from modulardata.agents.rules import RulePlanner
from modulardata.contracts import topics
from modulardata.contracts.commands import ChatTurn, PlanChatMessage
from modulardata.contracts.envelope import Envelope
from modulardata.contracts.events import (
    ClarificationRequested,
    HeadMoveRequested,
    TaskProgressed,
    TransformationPlanned,
)
from modulardata.messaging.metrics import WorkerMetrics
from modulardata.sandbox.sandbox import Sandbox
from modulardata.storage import LocalStorage
from services.agents.evaluation.session import load_customers
from services.agents.tests.scripted_llm import ScriptedLLM
from services.agents.tests.test_crew import GOOD, PlainExec, answer, summary
from tests.support.service_broker import ServiceBroker


class Agents(ServiceBroker):
    """The agents' broker, with the events it publishes collected."""

    def __init__(self, tmp_path: Path, planner: ChatPlanner) -> None:
        root = tmp_path / "storage"
        self.settings = AgentsSettings(
            storage_url=root.as_uri(), topic_prefix=f"t{uuid4().hex[:8]}."
        )
        broker = create_broker(self.settings, planner, WorkerMetrics())
        super().__init__(broker, self.settings, topics.AGENTS_EVENTS)
        self.storage = LocalStorage(root)
        self.commands: list[Envelope] = []
        source = tmp_path / "head.parquet"
        load_customers().to_parquet(source)
        self.head_uri = self.storage.put_file("sessions/s/nodes/n.parquet", source)

        @self.broker.subscriber(self.bus.topic(topics.EXECUTOR_COMMANDS))
        async def collect_commands(body: dict[str, Any]) -> None:
            self.commands.append(Envelope.model_validate(body))

    def request(self, text: str, history: tuple[ChatTurn, ...] = ()) -> Envelope:
        session = uuid4()
        command = PlanChatMessage(
            session_id=session,
            chat_message_id=uuid4(),
            text=text,
            head_node_id=uuid4(),
            head_storage_uri=self.head_uri,
            recent_messages=history,
        )
        return Envelope.wrap(command, session_id=session, correlation_id=uuid4())

    async def send(self, *commands: Envelope) -> list[object]:
        async with TestKafkaBroker(self.broker):
            for command in commands:
                await self.bus.publish(command, topics.AGENTS_COMMANDS)
        return [envelope.open() for envelope in self.events]

    def stages(self) -> list[str]:
        return [e.open().stage for e in self.events if e.type == "TaskProgressed"]  # type: ignore[attr-defined]


@pytest.fixture
def agents(tmp_path: Path) -> Agents:
    return Agents(tmp_path, ChatPlanner(RulePlanner()))


async def test_a_request_the_rules_understand_becomes_a_plan(agents: Agents) -> None:
    command = agents.request("drop rows where age is missing")
    progress, planned = await agents.send(command)

    assert progress == TaskProgressed(
        task_id=command.correlation_id, session_id=command.session_id, stage="thinking"
    )
    assert isinstance(planned, TransformationPlanned)
    assert planned.planner == "rules" and not planned.undo_first
    assert planned.code == 'df = df.dropna(subset=["age"])' == planned.plan.compile()
    assert str(planned.head_node_id) == command.payload["head_node_id"]
    assert planned.explanation == "Drop rows with a missing value in 'age'."
    assert agents.commands == []  # what runs the plan, and where, is the workflow's choice
    for envelope in agents.events:
        assert (envelope.correlation_id, envelope.causation_id) == (
            command.correlation_id,
            command.message_id,
        )


async def test_undo_is_a_head_move(agents: Agents) -> None:
    _, moved = await agents.send(agents.request("undo the last two changes"))
    assert isinstance(moved, HeadMoveRequested)
    assert (moved.direction, moved.steps) == ("undo", 2)


async def test_instead_replaces_the_last_change(agents: Agents) -> None:
    earlier = RulePlanner().plan("drop the email column", describe_columns(load_customers()))
    assert isinstance(earlier, Planned)
    history = (
        ChatTurn(role="user", text="drop the email column"),
        ChatTurn(role="assistant", text=earlier.explanation, plan=earlier.plan),
    )
    _, planned = await agents.send(agents.request("no, the city column instead", history))
    assert isinstance(planned, TransformationPlanned)
    assert planned.undo_first and planned.code == 'df = df.drop(columns=["city"])'
    assert agents.commands == []


async def test_an_ambiguous_request_gets_a_question(agents: Agents) -> None:
    _, question = await agents.send(agents.request("drop the date column"))
    assert isinstance(question, ClarificationRequested)
    assert question.reason == "ambiguous"
    assert "'signup_date'" in question.question and "'last_order_date'" in question.question


async def test_a_redelivered_request_repeats_the_same_message_ids(agents: Agents) -> None:
    command = agents.request("trim whitespace from name")
    await agents.send(command, command)
    ids = [e.message_id for e in agents.events]
    assert len(ids) == 4 and ids[:2] == ids[2:]


def crew_agents(tmp_path: Path, *engineer: str) -> tuple[Agents, ScriptedLLM]:
    llm = ScriptedLLM(
        model="scripted",
        replies={
            "Data cleaning strategist": [answer("1. Double 'age' after reading it as numbers.")],
            "Pandas engineer": [answer(f"```python\n{code}\n```") for code in engineer],
            "Tester": [answer("Doubles every age.")],
        },
    )
    crew = CrewPlanner(llm, PlainExec(), summary, max_retries=1)
    return Agents(tmp_path, ChatPlanner(RulePlanner(), crew)), llm


async def test_what_the_rules_do_not_understand_goes_to_the_crew(tmp_path: Path) -> None:
    code = 'df["age"] = pd.to_numeric(df["age"], errors="coerce") * 2'
    agents, llm = crew_agents(tmp_path, code)
    *_, planned = await agents.send(agents.request("multiply every age by two please"))

    assert agents.stages() == ["thinking", "generating_code", "testing"]
    assert isinstance(planned, TransformationPlanned)
    assert (planned.planner, planned.code, planned.explanation) == (
        "crew",
        code,
        "Doubles every age.",
    )
    assert "customer_id (int64)" in llm.seen_by("Data cleaning strategist")[0]


async def test_the_rules_answer_first_even_with_a_crew(tmp_path: Path) -> None:
    agents, llm = crew_agents(tmp_path, GOOD)
    _, planned = await agents.send(agents.request("lowercase the emails"))
    assert isinstance(planned, TransformationPlanned) and planned.planner == "rules"
    assert llm.prompts == []


async def test_a_crew_that_cannot_make_working_code_asks_back(tmp_path: Path) -> None:
    agents, _ = crew_agents(tmp_path, 'df["x"] = df["nope"]', 'df["x"] = df["nope"]')
    *_, question = await agents.send(agents.request("multiply every age by two please"))
    assert isinstance(question, ClarificationRequested)
    assert question.reason == "failed" and "KeyError" in question.question


def test_without_a_model_only_the_rules_answer(tmp_path: Path, sandbox: Sandbox) -> None:
    settings = AgentsSettings(storage_url=tmp_path.as_uri(), llm=None)
    assert build_planner(settings, sandbox).crew is None


def test_a_configured_model_puts_the_crew_behind_the_rules(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    settings = AgentsSettings(storage_url=tmp_path.as_uri(), llm="ollama/llama3.1")
    assert isinstance(build_planner(settings, sandbox).crew, CrewPlanner)


def test_create_app_serves_the_agents_broker(tmp_path: Path) -> None:
    app = create_app(AgentsSettings(storage_url=tmp_path.as_uri()))
    assert isinstance(app, FastStream)
    assert isinstance(app.broker, KafkaBroker)
