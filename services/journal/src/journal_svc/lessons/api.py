"""Routes of lessons."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from crm_platform.fields import BusinessDate
from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import Page
from crm_platform.preconditions import IfMatch, version_of
from journal_svc.deps import ContextDep
from journal_svc.lessons import schemas
from journal_svc.lessons.service import Lessons, lesson_read

router = APIRouter()


@router.get("/groups/{group_id}/lessons")
async def lessons(
    group_id: uuid.UUID,
    from_date: BusinessDate,
    until_date: BusinessDate,
    principal: PrincipalDep,
    ctx: ContextDep,
) -> Page[schemas.LessonRead]:
    rows = await Lessons(ctx).in_period(principal, group_id, from_date, until_date)
    return Page(items=[lesson_read(r) for r in rows])


@router.post("/groups/{group_id}/lessons", status_code=status.HTTP_201_CREATED)
async def create_lesson(
    group_id: uuid.UUID, body: schemas.LessonCreate, principal: PrincipalDep, ctx: ContextDep
) -> schemas.LessonRead:
    return lesson_read(await Lessons(ctx).create(principal, group_id, body))


@router.post("/groups/{group_id}/lessons/generate", status_code=status.HTTP_201_CREATED)
async def generate_lessons(
    group_id: uuid.UUID, body: schemas.Period, principal: PrincipalDep, ctx: ContextDep
) -> schemas.Generated:
    created, skipped = await Lessons(ctx).generate(principal, group_id, body)
    return schemas.Generated(created=[lesson_read(r) for r in created], skipped=skipped)


@router.get("/lessons/{lesson_id}")
async def lesson(
    lesson_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep
) -> schemas.LessonRead:
    return lesson_read(await Lessons(ctx).get(principal, lesson_id))


@router.patch("/lessons/{lesson_id}")
async def update_lesson(
    lesson_id: uuid.UUID,
    body: schemas.LessonUpdate,
    principal: PrincipalDep,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> schemas.LessonRead:
    return lesson_read(await Lessons(ctx).update(principal, lesson_id, body, version_of(if_match)))


@router.post("/lessons/{lesson_id}/cancel")
async def cancel_lesson(
    lesson_id: uuid.UUID, body: schemas.CancelIn, principal: PrincipalDep, ctx: ContextDep
) -> schemas.LessonRead:
    return lesson_read(await Lessons(ctx).cancel(principal, lesson_id, body))
