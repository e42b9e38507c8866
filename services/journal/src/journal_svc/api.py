"""HTTP routes of the journal context. Every route requires the gateway's internal token.

/api/v1/journal gathers the routers of each part (groups, lessons, enrolments, marks, the
journal grid, comments, figures); /internal/v1/journal answers the gateway's lookups."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from crm_contracts.locations import Location
from crm_platform.errors import NotFoundError
from crm_platform.internal_auth import get_principal, system_only
from journal_svc.comments.api import router as comments_router
from journal_svc.deps import ContextDep
from journal_svc.enrolments.api import router as enrolments_router
from journal_svc.figures.api import router as figures_router
from journal_svc.grid.api import router as grid_router
from journal_svc.groups.api import router as groups_router
from journal_svc.lessons.api import router as lessons_router
from journal_svc.marks.absences import excuse_next_lesson
from journal_svc.marks.api import router as marks_router
from journal_svc.repository import Repository
from journal_svc.schemas_common import Read

router = APIRouter(
    prefix="/api/v1/journal", tags=["journal"], dependencies=[Depends(get_principal)]
)
for part in (
    groups_router,
    lessons_router,
    enrolments_router,
    marks_router,
    grid_router,
    comments_router,
    figures_router,
):
    router.include_router(part)

internal_router = APIRouter(
    prefix="/internal/v1/journal",
    tags=["internal"],
    dependencies=[Depends(get_principal), Depends(system_only)],
)


@internal_router.get("/access/groups/{group_id}")
async def group_location(group_id: uuid.UUID, ctx: ContextDep) -> Location:
    group = await Repository(ctx.session).group_any_tenant(group_id)
    if group is None:
        raise NotFoundError("group")
    return Location(tenant_id=group.tenant_id, branch_ids=[group.branch_id], group_ids=[group.id])


@internal_router.get("/access/lessons/{lesson_id}")
async def lesson_location(lesson_id: uuid.UUID, ctx: ContextDep) -> Location:
    lesson = await Repository(ctx.session).lesson_any_tenant(lesson_id)
    if lesson is None:
        raise NotFoundError("lesson")
    return Location(
        tenant_id=lesson.tenant_id, branch_ids=[lesson.branch_id], group_ids=[lesson.group_id]
    )


class AbsenceReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation_id: uuid.UUID
    client_id: uuid.UUID


class AbsenceReported(Read):
    lesson_id: uuid.UUID
    group_id: uuid.UUID
    lesson_date: date
    starts_at: str
    makeup_until: date | None
    # false: the lesson was already excused (asking again changes nothing)
    changed: bool


@internal_router.post("/absences")
async def report_absence(body: AbsenceReport, ctx: ContextDep) -> AbsenceReported:
    """A client's "I will miss my next lesson" (from the notifications bot): the next lesson
    that has not started is excused, granting its make-up."""
    found = await excuse_next_lesson(ctx, body.organisation_id, body.client_id)
    if found is None:
        raise NotFoundError("upcoming lesson")
    return AbsenceReported(**vars(found))
