"""Routes of figures, pay and pay rates."""

from __future__ import annotations

import uuid
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response, status

from crm_platform.fields import BusinessDate, BusinessMonth
from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import Page
from journal_svc.access import tenant_of
from journal_svc.deps import ContextDep
from journal_svc.domain.figures import Month
from journal_svc.figures import schemas
from journal_svc.figures.rates import Rates
from journal_svc.figures.service import Figures, parse_month

router = APIRouter()
MonthParam = Annotated[BusinessMonth | None, Query(description="YYYY-MM")]


async def _this_month(ctx: ContextDep, principal: PrincipalDep) -> Month:
    return Month.of(await ctx.today(tenant_of(principal)))


@router.get("/groups/{group_id}/figures")
async def group_figures(
    group_id: uuid.UUID,
    principal: PrincipalDep,
    ctx: ContextDep,
    from_month: MonthParam = None,
    until_month: MonthParam = None,
) -> schemas.GroupFigures:
    """The group month by month (this month when left out)."""
    current = await _this_month(ctx, principal)
    first = parse_month(from_month, "from_month") if from_month else current
    last = parse_month(until_month, "until_month") if until_month else max(first, current)
    return await Figures(ctx).group(principal, group_id, first, last)


@router.get("/figures/groups", response_model=schemas.OrganisationMonth)
async def organisation_figures(
    principal: PrincipalDep, ctx: ContextDep, month: MonthParam = None
) -> Response:
    """Every active group the caller sees for one month (this month when left out), least
    filled first. The whole list: `next_cursor` is always null; `month` says which month."""
    chosen = parse_month(month, "month") if month else await _this_month(ctx, principal)
    figures = await Figures(ctx).organisation_month(principal, chosen)
    return Response(orjson.dumps(figures, default=str), media_type="application/json")


@router.get("/figures/teachers")
async def teacher_figures(
    from_date: BusinessDate, until_date: BusinessDate, principal: PrincipalDep, ctx: ContextDep
) -> Page[schemas.TeacherFigures]:
    return Page(items=await Figures(ctx).teachers(principal, from_date, until_date))


@router.get("/teachers/pay")
async def teacher_pay(
    from_date: BusinessDate,
    until_date: BusinessDate,
    principal: PrincipalDep,
    ctx: ContextDep,
    teacher_id: uuid.UUID | None = None,
    lines: bool = False,
) -> Page[schemas.TeacherPay]:
    """Attendance-weighted pay for the lessons held in a period, lesson by lesson on request."""
    rows = await Figures(ctx).pay(principal, from_date, until_date, teacher_id, lines=lines)
    return Page(items=rows)


@router.get("/teachers/{teacher_id}/rates")
async def rates(
    teacher_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep
) -> Page[schemas.RateRead]:
    rows = await Rates(ctx).of_teacher(principal, teacher_id)
    return Page(items=[schemas.RateRead.model_validate(r) for r in rows])


@router.post("/teachers/{teacher_id}/rates", status_code=status.HTTP_201_CREATED)
async def add_rate(
    teacher_id: uuid.UUID, body: schemas.RateIn, principal: PrincipalDep, ctx: ContextDep
) -> schemas.RateRead:
    return schemas.RateRead.model_validate(await Rates(ctx).add(principal, teacher_id, body))
