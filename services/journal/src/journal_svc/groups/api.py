"""Routes of groups, rooms and journal settings."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from crm_platform.fields import BusinessDate
from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import CursorParam, LimitParam, Page, page
from crm_platform.preconditions import IfMatch, version_of
from journal_svc.deps import ContextDep
from journal_svc.groups import schemas
from journal_svc.groups.room_lessons import RoomLessons
from journal_svc.groups.service import Groups

router = APIRouter()


@router.get("/groups")
async def groups(
    principal: PrincipalDep,
    ctx: ContextDep,
    branch_id: uuid.UUID | None = None,
    teacher_id: uuid.UUID | None = None,
    archived: bool | None = False,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.GroupRead]:
    rows = await Groups(ctx).find(
        principal,
        branch_id=branch_id,
        teacher_id=teacher_id,
        archived=archived,
        cursor=cursor,
        limit=limit,
    )
    items, next_cursor = page(rows, limit)
    return Page(items=items, next_cursor=next_cursor)


@router.post("/groups", status_code=status.HTTP_201_CREATED)
async def create_group(
    body: schemas.GroupCreate, principal: PrincipalDep, ctx: ContextDep
) -> schemas.GroupRead:
    return await Groups(ctx).create(principal, body)


@router.get("/groups/{group_id}")
async def group(group_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep) -> schemas.GroupRead:
    return await Groups(ctx).get(principal, group_id)


@router.patch("/groups/{group_id}")
async def update_group(
    group_id: uuid.UUID,
    body: schemas.GroupUpdate,
    principal: PrincipalDep,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> schemas.GroupRead:
    return await Groups(ctx).update(principal, group_id, body, version_of(if_match))


@router.get("/rooms")
async def rooms(
    principal: PrincipalDep,
    ctx: ContextDep,
    branch_id: uuid.UUID | None = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.RoomRead]:
    rows, next_cursor = page(await Groups(ctx).rooms(principal, branch_id, cursor, limit), limit)
    return Page(items=[schemas.RoomRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("/rooms", status_code=status.HTTP_201_CREATED)
async def create_room(
    body: schemas.RoomCreate, principal: PrincipalDep, ctx: ContextDep
) -> schemas.RoomRead:
    return schemas.RoomRead.model_validate(await Groups(ctx).create_room(principal, body))


@router.patch("/rooms/{room_id}")
async def update_room(
    room_id: uuid.UUID,
    body: schemas.RoomUpdate,
    principal: PrincipalDep,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> schemas.RoomRead:
    room = await Groups(ctx).update_room(principal, room_id, body, version_of(if_match))
    return schemas.RoomRead.model_validate(room)


@router.get("/rooms/{room_id}/lessons")
async def room_lessons(
    room_id: uuid.UUID,
    from_date: BusinessDate,
    until_date: BusinessDate,
    principal: PrincipalDep,
    ctx: ContextDep,
) -> Page[schemas.RoomLesson]:
    """The room's timetable: its lessons in the period (at most 366 days), cancelled ones
    flagged, of the groups the caller sees."""
    return Page(items=await RoomLessons(ctx).in_period(principal, room_id, from_date, until_date))


@router.get("/settings")
async def settings(principal: PrincipalDep, ctx: ContextDep) -> schemas.SettingsRead:
    return schemas.SettingsRead.model_validate(await Groups(ctx).settings(principal))


@router.patch("/settings")
async def update_settings(
    body: schemas.SettingsUpdate,
    principal: PrincipalDep,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> schemas.SettingsRead:
    org = await Groups(ctx).update_settings(principal, body, version_of(if_match))
    return schemas.SettingsRead.model_validate(org)
