"""A version's whole history as a recipe: the upload it started from and every plan since; and
replaying a recipe on a session. The JSON form can be posted back to replay the steps elsewhere
(`recipe_script` renders it as a script)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from modulardata.contracts.commands import ReplayRecipe
from modulardata.contracts.operations import Plan
from modulardata.contracts.profile import Profile
from modulardata.contracts.values import ColumnSchema
from modulardata.gateway.application import read_models
from modulardata.gateway.application.profiles import node_profile
from modulardata.gateway.application.read_models import ReadModels
from modulardata.gateway.application.sessions import require_dataset
from modulardata.gateway.application.tasks import accept_session_task
from modulardata.gateway.exceptions import Conflict
from modulardata.gateway.schemas.recipes import Recipe, RecipeSource, RecipeStep
from modulardata.messaging.bus import Bus
from modulardata.readmodels.views import SessionView
from modulardata.storage import ObjectStorage


async def recipe_of(
    rows: ReadModels, storage: ObjectStorage, session_id: UUID, node_id: UUID
) -> Recipe:
    """The recipe of a node of the session; Conflict while its upload is being profiled, or when
    a version on the way has no plan to replay."""
    path = await read_models.lineage(rows, session_id, node_id)
    root = path.nodes[0]
    profile = await node_profile(storage, root)
    if profile is None:
        raise Conflict(
            f"the upload of node {root.node_id} is still being profiled; try again shortly",
            code="profile_not_ready",
        )
    try:
        return build_recipe(path.nodes, profile, path.messages)
    except RecipeError as exc:
        raise Conflict(str(exc), code="recipe_unavailable") from None


async def replay_recipe(
    engine: AsyncEngine,
    rows: ReadModels,
    bus: Bus,
    *,
    owner: str,
    session: SessionView,
    recipe: Recipe,
    wait_s: float,
) -> UUID:
    """Accept a task applying every step of the recipe to the session's head, as one version;
    returns the task id."""
    await require_dataset(session, rows, wait_s)
    steps = recipe.steps
    if not steps:
        raise Conflict("the recipe has no steps to replay", code="empty_recipe")
    plan = Plan(operations=tuple(op for step in steps for op in step.plan.operations))
    count = "1 step" if len(steps) == 1 else f"{len(steps)} steps"
    command = ReplayRecipe(
        session_id=session.session_id,
        plan=plan,
        description=f"Replayed a recipe ({count}): {plan.describe()}"[:2000],
    )
    return await accept_session_task(
        engine, bus, owner=owner, session_id=session.session_id, kind="replay", command=command
    )


class RecipeError(ValueError):
    """The nodes given do not make a recipe (no upload at the root, a step without a plan)."""


class RecipeNode(Protocol):
    """What a recipe needs of a version node (a `NodeView` row has it all)."""

    @property
    def node_id(self) -> UUID: ...
    @property
    def parent_id(self) -> UUID | None: ...
    @property
    def description(self) -> str: ...
    @property
    def filename(self) -> str | None: ...
    @property
    def columns(self) -> list[dict[str, str]]: ...
    @property
    def plan(self) -> dict[str, Any] | None: ...
    @property
    def created_by_message_id(self) -> UUID | None: ...


def build_recipe(
    path: Sequence[RecipeNode], source_profile: Profile, messages: Mapping[UUID, str]
) -> Recipe:
    """The recipe of `path` (the nodes from the upload to the target, in order); `messages`
    holds the chat messages' text by id. `RecipeError` when the path is not such a chain."""
    if not path:
        raise RecipeError("a recipe needs at least the upload's node")
    root, *rest = path
    report = source_profile.source
    if root.parent_id is not None or report is None:
        raise RecipeError(f"node {root.node_id} is not an upload")
    for parent, node in zip(path, rest, strict=False):
        if node.parent_id != parent.node_id:
            raise RecipeError(f"node {node.node_id} does not follow node {parent.node_id}")
        if node.plan is None:
            raise RecipeError(f"node {node.node_id} has no plan to replay")
    source = RecipeSource(
        node_id=root.node_id,
        filename=root.filename,
        **report.model_dump(
            include={"format", "encoding", "delimiter", "header", "sheet", "quarantined_count"}
        ),
        renamed_columns=report.renamed_columns,
        dropped_columns=report.dropped_columns,
        columns=[ColumnSchema.model_validate(column) for column in root.columns],
    )
    steps = [
        RecipeStep(
            description=node.description,
            message=None
            if node.created_by_message_id is None
            else messages.get(node.created_by_message_id),
            plan=Plan.model_validate(node.plan),
        )
        for node in rest
    ]
    return Recipe(
        format="modulardata.recipe",
        version=1,
        node_id=path[-1].node_id,
        source=source,
        steps=steps,
    )
