"""What the gateway reads of the read models and of its own records, behind a port, and the
answers built on it: a caller's session or task, a node of a session, its lineage, and waiting
for the log to catch up.

`adapters.readmodel_queries.PostgresReadModels` is the real one; `adapters.memory_read_models`
holds the same rows in memory for tests without a database. Both pass the contract suite in
`services/gateway/tests/adapters/test_read_models.py`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol, TypeVar
from uuid import UUID

from modulardata.contracts.tasks import FINISHED_STATUSES
from modulardata.gateway.adapters.gateway_tables import AcceptedTask
from modulardata.gateway.exceptions import NotFound
from modulardata.readmodels.views import ChatLogView, NodeView, SessionView, TaskView

_T = TypeVar("_T")

UNSEEN_EXPIRY = timedelta(minutes=15)
"""An accepted session or task the log has not seen for this long is taken as lost or refused:
the session is no longer served, the task no longer keeps its session busy."""


@dataclass(frozen=True)
class History:
    """A session's version nodes and chat messages, each in the order they were made."""

    nodes: list[NodeView]
    messages: list[ChatLogView]


@dataclass(frozen=True)
class OwnedTask:
    """A task of the caller, and what the read model says of it so far (None: still queued)."""

    task_id: UUID
    session_id: UUID
    kind: str
    created_at: datetime
    view: TaskView | None


@dataclass(frozen=True)
class Lineage:
    """The nodes from the session's upload to a node, in order, and their messages' text."""

    nodes: list[NodeView]
    messages: dict[UUID, str]


class ReadModels(Protocol):
    """The rows the gateway serves: versioning's read models and the gateway's own records of
    what it accepted."""

    async def session(self, session_id: UUID, owner: str | None = None) -> SessionView | None:
        """The session as the API serves it (of `owner` when given): projected, dated when the
        gateway accepted it; or accepted and not projected yet (no head), unless the log has
        not seen it for `UNSEEN_EXPIRY`."""
        ...

    async def projected_session(self, session_id: UUID) -> SessionView | None:
        """The session's read-model row, once versioning has projected it."""
        ...

    async def sessions(
        self, owner: str, *, limit: int, offset: int
    ) -> tuple[list[tuple[SessionView, int]], int]:
        """A page of the owner's sessions as `session` serves them, newest first, each with its
        node count; and their total."""
        ...

    async def node_count(self, session_id: UUID) -> int:
        """How many version nodes the session has."""
        ...

    async def history(self, session_id: UUID) -> History:
        """The session's nodes and messages, in log order."""
        ...

    async def node(self, node_id: UUID) -> NodeView | None:
        """A version node, of whichever session."""
        ...

    async def session_nodes(self, session_id: UUID) -> list[NodeView]:
        """Every node of the session."""
        ...

    async def message_texts(self, chat_message_ids: Collection[UUID]) -> dict[UUID, str]:
        """The text of each of these chat messages that exists."""
        ...

    async def task(self, task_id: UUID) -> TaskView | None:
        """The task's read-model row, once versioning has seen it."""
        ...

    async def accepted_task(self, task_id: UUID) -> AcceptedTask | None:
        """The gateway's record of a task it accepted."""
        ...

    async def unfinished_tasks(self, session_id: UUID, kind: str | None = None) -> int:
        """How many tasks (of a `kind`, or of any) accepted for the session have not ended:
        queued, running, or not yet in the log (accepted within `UNSEEN_EXPIRY`)."""
        ...


async def owned_session(read_models: ReadModels, session_id: UUID, owner: str) -> SessionView:
    """The session if it exists (or was accepted) and belongs to `owner`; NotFound otherwise."""
    view = await read_models.session(session_id, owner)
    if view is None:
        raise NotFound(f"session {session_id} not found", code="session_not_found")
    return view


async def owned_task(read_models: ReadModels, task_id: UUID, owner: str) -> OwnedTask:
    """A task accepted for `owner`, or one in a session of theirs that entered the system some
    other way (its kind is then unknown); NotFound otherwise."""
    accepted = await read_models.accepted_task(task_id)
    view = await read_models.task(task_id)
    if accepted is not None and accepted.owner == owner:
        return OwnedTask(task_id, accepted.session_id, accepted.kind, accepted.created_at, view)
    if accepted is None and view is not None:
        task_session = await read_models.projected_session(view.session_id)
        if task_session is not None and task_session.owner == owner:
            return OwnedTask(task_id, view.session_id, "unknown", view.created_at, view)
    raise NotFound(f"task {task_id} not found", code="task_not_found")


async def session_node(read_models: ReadModels, session_id: UUID, node_id: UUID) -> NodeView:
    """A node of the session; NotFound when the session has no such node."""
    node = await read_models.node(node_id)
    if node is None or node.session_id != session_id:
        raise NotFound(f"node {node_id} not found in session {session_id}", code="node_not_found")
    return node


async def lineage(read_models: ReadModels, session_id: UUID, node_id: UUID) -> Lineage:
    """The path to `node_id` through its parents; NotFound when the session has no such node."""
    nodes = {node.node_id: node for node in await read_models.session_nodes(session_id)}
    if node_id not in nodes:
        raise NotFound(f"node {node_id} not found in session {session_id}", code="node_not_found")
    path = [nodes[node_id]]
    while (parent := path[-1].parent_id) is not None and parent in nodes:
        path.append(nodes[parent])
    path.reverse()
    asked = [node.created_by_message_id for node in path if node.created_by_message_id]
    return Lineage(path, await read_models.message_texts(asked))


async def _poll(
    probe: Callable[[], Awaitable[_T]],
    settled: Callable[[_T], bool],
    timeout_s: float,
    poll_s: float,
) -> _T:
    """What `probe` finds once `settled` holds for it, or its last finding after `timeout_s`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        found = await probe()
        if settled(found) or loop.time() >= deadline:
            return found
        await asyncio.sleep(poll_s)


async def wait_until_projected(
    read_models: ReadModels, session_id: UUID, timeout_s: float, poll_s: float = 0.02
) -> bool:
    """Whether the session's read-model row exists (its creation is in the log) within
    `timeout_s`."""
    view = await _poll(
        lambda: read_models.projected_session(session_id),
        lambda v: v is not None,
        timeout_s,
        poll_s,
    )
    return view is not None


async def wait_until_gone(
    read_models: ReadModels, session_id: UUID, timeout_s: float, poll_s: float = 0.02
) -> bool:
    """Whether the session is gone (its deletion projected) within `timeout_s`."""
    view = await _poll(
        lambda: read_models.session(session_id), lambda v: v is None, timeout_s, poll_s
    )
    return view is None


async def wait_for_profile(
    read_models: ReadModels, session_id: UUID, node_id: UUID, timeout_s: float, poll_s: float = 0.05
) -> NodeView:
    """The node of the session once it has a profile, or as it stands after `timeout_s`;
    NotFound when the session has no such node."""
    return await _poll(
        lambda: session_node(read_models, session_id, node_id),
        lambda node: node.profile_uri is not None,
        timeout_s,
        poll_s,
    )


async def wait_for_task(
    read_models: ReadModels, task_id: UUID, timeout_s: float, poll_s: float = 0.05
) -> TaskView | None:
    """The task's row once it has finished, or as it stands after `timeout_s` (None: queued)."""

    def finished(view: TaskView | None) -> bool:
        return view is not None and view.status in FINISHED_STATUSES

    return await _poll(lambda: read_models.task(task_id), finished, timeout_s, poll_s)


DatasetState = Literal["ready", "being_read", "missing"]
"""Whether a session has a version to work on, will have one once an upload still being read
ends, or has none coming."""


async def wait_for_dataset(
    read_models: ReadModels, session_id: UUID, timeout_s: float, poll_s: float = 0.05
) -> DatasetState:
    """The session's dataset state once it is ready or missing, or after `timeout_s`."""

    async def state() -> DatasetState:
        # Uploads first: one that ends moves the head in the same transaction, so a head still
        # missing after no upload was left means none is coming.
        uploading = await read_models.unfinished_tasks(session_id, "upload")
        view = await read_models.projected_session(session_id)
        if view is not None and view.head_node_id is not None:
            return "ready"
        return "being_read" if uploading else "missing"

    return await _poll(state, lambda found: found != "being_read", timeout_s, poll_s)
