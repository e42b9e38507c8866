"""GET /portal/v1/attendance, /payments, /invoices, /invoices/{id}, /timetable."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from crm_platform.fields import BusinessDate
from portal_svc.access import AccountScopeDep
from portal_svc.context import ContextDep
from portal_svc.records import schemas
from portal_svc.records.service import RecordsService

router = APIRouter()


@router.get("/attendance")
async def attendance(scope: AccountScopeDep, ctx: ContextDep) -> schemas.Attendance:
    return await RecordsService(ctx).attendance(scope)


@router.get("/payments")
async def payments(scope: AccountScopeDep, ctx: ContextDep) -> schemas.Payments:
    return await RecordsService(ctx).payments(scope)


@router.get("/invoices")
async def invoices(scope: AccountScopeDep, ctx: ContextDep) -> schemas.Invoices:
    return await RecordsService(ctx).invoices(scope)


@router.get("/invoices/{invoice_id}")
async def invoice(
    invoice_id: uuid.UUID, scope: AccountScopeDep, ctx: ContextDep
) -> schemas.PrintableInvoice:
    return await RecordsService(ctx).invoice(scope, invoice_id)


@router.get("/timetable")
async def timetable(
    scope: AccountScopeDep,
    ctx: ContextDep,
    from_date: Annotated[BusinessDate | None, Query(alias="from")] = None,
    until_date: Annotated[BusinessDate | None, Query(alias="until")] = None,
) -> schemas.Timetable:
    """The lessons of the client's groups from `from` (today when left out) until `until`
    (four weeks on when left out; at most 92 days), cancelled ones marked, in date order. The
    whole list: `next_cursor` is always null."""
    return await RecordsService(ctx).timetable(scope, from_date, until_date)
