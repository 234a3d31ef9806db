"""Reading a version's stored profile."""

from __future__ import annotations

import asyncio
from typing import Protocol
from uuid import UUID

from modulardata.contracts.profile import Profile
from modulardata.gateway.application import read_models
from modulardata.gateway.application.read_models import ReadModels
from modulardata.gateway.exceptions import NotFound
from modulardata.profiling.profiles import load_profile
from modulardata.storage import ObjectNotFound, ObjectStorage


class ProfiledNode(Protocol):
    """A node, and where its profile is once it has one."""

    @property
    def node_id(self) -> UUID: ...

    @property
    def profile_uri(self) -> str | None: ...


async def node_profile(storage: ObjectStorage, node: ProfiledNode) -> Profile | None:
    """The node's profile; None while it is not profiled yet, NotFound if its file is gone."""
    if node.profile_uri is None:
        return None
    try:
        return await asyncio.to_thread(load_profile, storage, node.profile_uri)
    except ObjectNotFound:
        raise NotFound(
            f"the profile of node {node.node_id} is missing", code="profile_not_found"
        ) from None


async def ready_profile(
    rows: ReadModels, storage: ObjectStorage, session_id: UUID, node_id: UUID, wait_s: float
) -> Profile:
    """The profile of a node of the session, waited for up to `wait_s` (a version is committed
    before it is profiled); NotFound if it is still not ready then."""
    node = await read_models.wait_for_profile(rows, session_id, node_id, wait_s)
    profile = await node_profile(storage, node)
    if profile is None:
        raise NotFound(
            f"the profile of node {node.node_id} is not ready yet; try again shortly",
            code="profile_not_ready",
        )
    return profile
