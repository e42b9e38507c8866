"""Organisation reports: monthly figures and the pack report."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from billing_svc.deps import ContextDep
from billing_svc.reports import schemas
from billing_svc.reports.service import Reports
from crm_platform.fields import BusinessDate
from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import CursorParam, LimitParam, Page, page

router = APIRouter(prefix="/reports")


@router.get("/monthly")
async def monthly(
    principal: PrincipalDep,
    ctx: ContextDep,
    month: BusinessDate | None = None,
    earlier_months: Annotated[int, Query(ge=0, le=24)] = 5,
) -> schemas.MonthlyReport:
    """The month's figures (the month of `month`, default this month) against earlier ones."""
    return await Reports(ctx).monthly(principal, month, earlier_months)


@router.get("/packs")
async def packs(
    principal: PrincipalDep,
    ctx: ContextDep,
    from_date: BusinessDate | None = None,
    to_date: BusinessDate | None = None,
    client_id: uuid.UUID | None = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.PackReportRow]:
    """Active packs by default; a date range shows the expired ones too (flagged)."""
    rows = await Reports(ctx).packs(
        principal,
        from_date=from_date,
        to_date=to_date,
        client_id=client_id,
        cursor=cursor,
        limit=limit,
    )
    items, next_cursor = page(rows, limit)
    return Page(items=items, next_cursor=next_cursor)
