"""Routes of marks and make-ups (under their lesson, which the gateway locates)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import LimitParam, Page
from crm_platform.preconditions import IfMatch, version_of
from journal_svc.deps import ContextDep
from journal_svc.marks import schemas
from journal_svc.marks.service import Marks

router = APIRouter()


@router.get("/lessons/{lesson_id}/marks")
async def marks(
    lesson_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep
) -> Page[schemas.MarkRead]:
    rows = await Marks(ctx).marks(principal, lesson_id)
    return Page(items=[schemas.MarkRead.model_validate(r) for r in rows])


@router.post("/lessons/{lesson_id}/marks")
async def mark_lesson(
    lesson_id: uuid.UUID, body: schemas.BulkMarkIn, principal: PrincipalDep, ctx: ContextDep
) -> schemas.BulkMarked:
    changed, unchanged = await Marks(ctx).bulk(principal, lesson_id, body)
    return schemas.BulkMarked(
        changed=[schemas.MarkRead.model_validate(m) for m in changed], unchanged=unchanged
    )


@router.put("/lessons/{lesson_id}/marks/{client_id}")
async def set_mark(
    lesson_id: uuid.UUID,
    client_id: uuid.UUID,
    body: schemas.MarkIn,
    principal: PrincipalDep,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> schemas.MarkRead:
    """Sets a cell. Idempotent: the same status again changes nothing and emits nothing."""
    mark, _ = await Marks(ctx).set(principal, lesson_id, client_id, body, version_of(if_match))
    return schemas.MarkRead.model_validate(mark)


@router.delete("/lessons/{lesson_id}/marks/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_mark(
    lesson_id: uuid.UUID,
    client_id: uuid.UUID,
    principal: PrincipalDep,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> None:
    await Marks(ctx).remove(principal, lesson_id, client_id, version_of(if_match))


@router.get("/lessons/{lesson_id}/marks/{client_id}/makeup-seats")
async def makeup_seats(
    lesson_id: uuid.UUID,
    client_id: uuid.UUID,
    principal: PrincipalDep,
    ctx: ContextDep,
    any_programme: Annotated[bool, Query(description="also groups of other programmes")] = False,
    limit: LimitParam = 20,
) -> schemas.Seats:
    return await Marks(ctx).seats(principal, lesson_id, client_id, any_programme, limit)


@router.get("/makeups")
async def open_makeups(
    principal: PrincipalDep,
    ctx: ContextDep,
    client_id: uuid.UUID | None = None,
    group_id: uuid.UUID | None = None,
    limit: LimitParam = 50,
) -> Page[schemas.OpenMakeup]:
    """Excused absences whose make-up can still be used (expired or used ones are not)."""
    return Page(items=await Marks(ctx).open_makeups(principal, client_id, group_id, limit))
