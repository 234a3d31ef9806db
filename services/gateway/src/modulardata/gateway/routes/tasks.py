"""Following a task from acceptance to its result: by polling, or as a Server-Sent Events stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter
from sse_starlette import EventSourceResponse, ServerSentEvent

from modulardata.gateway.api.deps import OwnerDep, ReadModelsDep, TaskDep
from modulardata.gateway.application import read_models
from modulardata.gateway.application.read_models import OwnedTask, ReadModels
from modulardata.gateway.schemas import examples
from modulardata.gateway.schemas.errors import ErrorBody
from modulardata.gateway.schemas.tasks import TaskResponse

router = APIRouter(prefix="/v1/tasks", tags=["tasks"])

POLL_S = 0.05
"""How often a stream looks for new stages."""


@router.get("/{task_id}", responses={404: {"model": ErrorBody}})
async def get_task(task: TaskDep) -> TaskResponse:
    """Status, stage, stages reached (with times) and result of one of the caller's tasks."""
    return TaskResponse.of(task)


@router.get(
    "/{task_id}/events",
    response_class=EventSourceResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"example": examples.TASK_EVENTS}},
            "description": "The task's stages.",
        },
        404: {"model": ErrorBody},
    },
)
async def stream_task(task: TaskDep, owner: OwnerDep, rows: ReadModelsDep) -> EventSourceResponse:
    """The task's stages as Server-Sent Events: one `stage` event per stage reached (data:
    {stage, at}), then one `result` event with the whole task (as GET /v1/tasks/{id} gives it)
    once it has finished; the stream then ends."""
    return EventSourceResponse(_task_events(task, owner, rows), ping=15)


async def _task_events(
    task: OwnedTask, owner: str, rows: ReadModels
) -> AsyncIterator[ServerSentEvent]:
    sent = 0
    while True:
        response = TaskResponse.of(task)
        for entry in response.events[sent:]:
            data = {"stage": entry["stage"], "at": entry["at"]}
            yield ServerSentEvent(data=json.dumps(data), event="stage")
        sent = len(response.events)
        if response.finished:
            yield ServerSentEvent(data=response.model_dump_json(), event="result")
            return
        await asyncio.sleep(POLL_S)
        task = await read_models.owned_task(rows, task.task_id, owner)
