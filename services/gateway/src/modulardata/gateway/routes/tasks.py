"""Following a task from acceptance to its result."""

from __future__ import annotations

from fastapi import APIRouter

from modulardata.gateway.deps import TaskDep
from modulardata.gateway.schemas import ErrorBody, TaskResponse

router = APIRouter(prefix="/v1/tasks", tags=["tasks"])


@router.get("/{task_id}", responses={404: {"model": ErrorBody}})
async def get_task(task: TaskDep) -> TaskResponse:
    """Status, stage, events and result of one of the caller's tasks."""
    return TaskResponse.of(task)
