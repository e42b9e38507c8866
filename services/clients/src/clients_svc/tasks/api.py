"""Routes of staff tasks on clients."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from clients_svc.deps import use_case
from clients_svc.tasks import schemas
from clients_svc.tasks.service import Tasks
from crm_platform.fields import BusinessDate
from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import CursorParam, LimitParam, Page, page
from crm_platform.preconditions import IfMatch, version_of

router = APIRouter()
TasksDep = Annotated[Tasks, Depends(use_case(Tasks))]


@router.get("/clients/{client_id}/tasks")
async def client_tasks(
    client_id: uuid.UUID,
    principal: PrincipalDep,
    svc: TasksDep,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.TaskRead]:
    rows, next_cursor = page(await svc.of_client(principal, client_id, cursor, limit), limit)
    return Page(items=[schemas.TaskRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("/clients/{client_id}/tasks", status_code=status.HTTP_201_CREATED)
async def create_task(
    client_id: uuid.UUID, body: schemas.TaskCreate, principal: PrincipalDep, svc: TasksDep
) -> schemas.TaskRead:
    return schemas.TaskRead.model_validate(await svc.create(principal, client_id, body))


@router.patch("/clients/{client_id}/tasks/{task_id}")
async def update_task(
    client_id: uuid.UUID,
    task_id: uuid.UUID,
    body: schemas.TaskUpdate,
    principal: PrincipalDep,
    svc: TasksDep,
    if_match: IfMatch = None,
) -> schemas.TaskRead:
    task = await svc.update(principal, client_id, task_id, body, version_of(if_match))
    return schemas.TaskRead.model_validate(task)


@router.get("/tasks")
async def tasks(
    principal: PrincipalDep,
    svc: TasksDep,
    mine: bool = False,
    status_: Annotated[Literal["open", "done", "cancelled"] | None, Query(alias="status")] = None,
    due_until: BusinessDate | None = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.TaskRead]:
    """Tasks on the clients you may see; `mine=true` for the ones assigned to you."""
    found = await svc.due(
        principal, mine=mine, status=status_, due_until=due_until, cursor=cursor, limit=limit
    )
    rows, next_cursor = page(found, limit)
    return Page(items=[schemas.TaskRead.model_validate(r) for r in rows], next_cursor=next_cursor)
