"""Invoices of a client, and the list of all invoices."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from billing_svc.deps import ContextDep, OptionalIdempotencyDep
from billing_svc.invoices import schemas
from billing_svc.invoices.service import Invoices
from crm_platform.fields import BusinessDate
from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import CursorParam, LimitParam, Page, page
from crm_platform.preconditions import IfMatch, required_version

router = APIRouter()


@router.post(
    "/clients/{client_id}/invoices",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.InvoiceRead,
)
async def create_invoice(
    client_id: uuid.UUID,
    body: schemas.InvoiceCreate,
    principal: PrincipalDep,
    ctx: ContextDep,
    idem: OptionalIdempotencyDep,
) -> Response:
    return await idem.run(
        principal.require_tenant(),
        lambda: Invoices(ctx).create(principal, client_id, body),
        status_code=201,
    )


@router.post("/clients/{client_id}/invoices/{invoice_id}/void")
async def void_invoice(
    client_id: uuid.UUID,
    invoice_id: uuid.UUID,
    principal: PrincipalDep,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> schemas.InvoiceRead:
    return await Invoices(ctx).void(principal, client_id, invoice_id, required_version(if_match))


@router.get("/clients/{client_id}/invoices")
async def client_invoices(
    client_id: uuid.UUID,
    principal: PrincipalDep,
    ctx: ContextDep,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.InvoiceRead]:
    rows = await Invoices(ctx).list(principal, client_id, None, cursor, limit)
    items, next_cursor = page(rows, limit)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/clients/{client_id}/invoices/{invoice_id}")
async def client_invoice(
    client_id: uuid.UUID, invoice_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep
) -> schemas.InvoiceRead:
    """One invoice of the client, with what is paid of it and its status."""
    return await Invoices(ctx).one(principal, client_id, invoice_id)


@router.get("/invoices")
async def invoices(
    principal: PrincipalDep,
    ctx: ContextDep,
    status: Literal["open", "paid", "overdue", "void"] | None = None,
    client_id: Annotated[uuid.UUID | None, Query(description="one client's invoices")] = None,
    due_from: Annotated[BusinessDate | None, Query(description="due on or after")] = None,
    due_to: Annotated[BusinessDate | None, Query(description="due on or before")] = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.InvoiceRead]:
    """The organisation's invoices the caller may see, oldest first; filtered by status,
    client and due date."""
    rows = await Invoices(ctx).list(
        principal, client_id, status, cursor, limit, due_from=due_from, due_to=due_to
    )
    items, next_cursor = page(rows, limit)
    return Page(items=items, next_cursor=next_cursor)
