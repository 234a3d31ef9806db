"""The service images as a deployment runs them: two containers of every service (host
networking) on the run's Kafka and PostgreSQL, storage on S3. Several sessions at once, each
spread over both gateways: an upload, three chat messages, "undo that", the history; every
container of every worker service does some of the work, and no version is lost or doubled."""

from __future__ import annotations

import asyncio
import functools
import itertools
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.partitioner import murmur2

from modulardata.agents.main import GROUP_ID as AGENTS_GROUP
from modulardata.executor.main import GROUP_ID as EXECUTOR_GROUP
from modulardata.profiler.main import GROUP_ID as PROFILER_GROUP
from modulardata.versioning.main import GROUP as VERSIONING_GROUP
from tests.integration.conftest import wait_for, wait_task
from tests.support.containers import REPLICAS, ContainerStack, build_images
from tests.support.infrastructure import Source
from tests.support.postgres import fresh_database
from tests.support.s3 import s3_bucket
from tests.support.stack import DEFAULT_KAFKA

CUSTOMERS = Path(__file__).resolve().parents[2] / "examples" / "customers.csv"
CONVERSATION = ("drop rows where age is missing", "remove duplicates", "drop the email column")
MIN_SESSIONS = 4
WORKER_GROUPS = {
    "versioning": f"{VERSIONING_GROUP}.commands",
    "profiler": PROFILER_GROUP,
    "agents": AGENTS_GROUP,
    "executor": EXECUTOR_GROUP,
}


@pytest.fixture(scope="module")
def containers(infrastructure: Source) -> Iterator[ContainerStack]:
    built_s = build_images()
    print(f"\nmake images: {built_s:.0f} s")
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", DEFAULT_KAFKA)
    with s3_bucket() as (storage_env, _), fresh_database("containers") as database_url:
        stack = ContainerStack(database_url=database_url, kafka=kafka, storage_env=storage_env)
        started = time.monotonic()
        try:
            stack.start()
            stack.wait_ready()
            print(f"{len(stack.containers)} containers ready in {time.monotonic() - started:.0f} s")
            yield stack
        finally:
            stack.print_logs()  # shown only when the test failed
            stack.remove()


def _members(kafka: str, group: str) -> list[Any]:
    async def describe() -> list[Any]:
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
        await admin.start()
        try:
            [response] = await admin.describe_consumer_groups([group])
            [(_, _, _, _, _, members, *_)] = response.groups
            return list(members)
        finally:
            await admin.close()

    return asyncio.run(describe())


def _all_joined(kafka: str, group: str) -> bool:
    return len(_members(kafka, group)) == REPLICAS


def _partition(session_id: str, partitions: int) -> int:
    """The partition the session's messages go to (the producers' default partitioner)."""
    hashed: int = murmur2(session_id.encode())
    return (hashed & 0x7FFFFFFF) % partitions


class Session:
    """One user's session, its requests alternating between the gateway containers."""

    def __init__(self, clients: list[httpx.Client]) -> None:
        self._clients = itertools.cycle(clients)
        created = self.client().post("/v1/sessions", json={"name": "containers"})
        assert created.status_code == 201, created.text
        self.id: str = created.json()["session_id"]

    def client(self) -> httpx.Client:
        return next(self._clients)

    def converse(self) -> dict[str, Any]:
        """Upload, the conversation, undo the last step; the tasks' results and the history."""
        uploaded = self.client().post(
            f"/v1/sessions/{self.id}/datasets",
            files={"file": ("customers.csv", CUSTOMERS.read_bytes(), "text/csv")},
        )
        assert uploaded.status_code == 202, uploaded.text
        results = [wait_task(self.client(), uploaded.json()["task_id"], timeout_s=180)]
        for message in (*CONVERSATION, "undo that"):
            sent = self.client().post(f"/v1/sessions/{self.id}/messages", json={"message": message})
            assert sent.status_code == 202, sent.text
            results.append(wait_task(self.client(), sent.json()["task_id"], timeout_s=180))
        history = self.client().get(f"/v1/sessions/{self.id}/history")
        assert history.status_code == 200, history.text
        return {"tasks": results, "history": history.json()}


# The image build comes first: minutes from nothing (debootstrap, every dependency), about two
# after a code change, seconds when nothing changed.
@pytest.mark.timeout(2400)
def test_two_containers_of_every_service_serve_sessions_at_once(
    containers: ContainerStack,
) -> None:
    for container in containers.of("executor"):
        # Root of its own user namespace with the sandbox's capabilities: every layer holds.
        answer = containers.readiness[container.name]
        assert answer["sandbox"]["unenforced"] == [], answer
    for service, group in WORKER_GROUPS.items():
        wait_for(
            functools.partial(_all_joined, containers.kafka, containers.topic_prefix + group),
            timeout_s=120,
            what=f"{REPLICAS} members of {service}'s consumer group",
        )
    headers = {"Authorization": f"Bearer {containers.api_key}"}
    clients = [
        httpx.Client(base_url=url, headers=headers, timeout=30) for url in containers.gateway_urls()
    ]
    try:
        sessions: list[Session] = []
        # Enough sessions that each partition (so each consumer of every group) has some.
        while (
            len(sessions) < MIN_SESSIONS
            or len({_partition(s.id, containers.partitions) for s in sessions})
            < containers.partitions
        ):
            sessions.append(Session(clients))
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
            outcomes = list(pool.map(Session.converse, sessions))
        print(
            f"{len(sessions)} sessions, {5 * len(sessions)} tasks "
            f"in {time.monotonic() - started:.0f} s"
        )
    finally:
        for client in clients:
            client.close()

    for outcome in outcomes:
        tasks, history = outcome["tasks"], outcome["history"]
        assert [t["status"] for t in tasks] == ["succeeded"] * 5, tasks
        made = [t["result"]["node_id"] for t in tasks[:4]]
        assert len(set(made)) == 4
        nodes = {node["node_id"]: node for node in history["nodes"]}
        # Exactly the upload and one version per message: none lost, none doubled.
        assert set(nodes) == set(made)
        assert [nodes[n]["parent_id"] for n in made] == [None, *made[:3]]
        assert tasks[4]["result"]["node_id"] == made[2]
        assert history["head_node_id"] == made[2]

    for service in WORKER_GROUPS:
        for container in containers.of(service):
            assert "Processed" in container.logs(containers.command), container.name
