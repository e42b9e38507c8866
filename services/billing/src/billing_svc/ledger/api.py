"""Payments, cancellations, balances and the client's ledger."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response, status

from billing_svc.access import can_write
from billing_svc.deps import ContextDep, IdempotencyDep, RequestKeyDep
from billing_svc.ledger import schemas
from billing_svc.ledger.payments import Paid, PaymentRequest
from billing_svc.ledger.service import Ledger
from crm_platform.context import correlation_id_var
from crm_platform.fast_routes import FastRequest, FastRoute
from crm_platform.fields import BusinessDate
from crm_platform.group_commit import GroupCommit
from crm_platform.idempotency import HEADER as IDEMPOTENCY_KEY
from crm_platform.idempotency import RequestKey, replay, request_key, request_key_dependency
from crm_platform.internal_auth import HEADER as INTERNAL_TOKEN
from crm_platform.internal_auth import Principal, PrincipalDep, get_principal, principal_for
from crm_platform.pagination import CursorParam, LimitParam, Page, page

router = APIRouter()


@router.post(
    "/clients/{client_id}/payments",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.EntryRead,
    description=(
        "Records a client's payment (amount, method, date, comment) and what it pays for: "
        "allocations to packs, invoices or services, together at most the amount. Needs an "
        "Idempotency-Key: a retry with the same key and body answers the first payment again "
        "(Idempotent-Replayed: true); the same key with another body is 409."
    ),
)
async def record_payment(
    client_id: uuid.UUID,
    body: schemas.PaymentCreate,
    principal: PrincipalDep,
    key: RequestKeyDep,
    request: Request,
) -> Response:
    """Records a payment with its allocations (written with the other payments arriving at
    the same moment: see ledger/payments.py). Usually answered by its fast twin below."""
    return await _submit(request.app.state, client_id, body, principal, key)


async def record_payment_fast(request: FastRequest) -> Response:
    """record_payment as a fast route: the same checks in the same order (the caller, the
    Idempotency-Key, the body), then the same code."""
    principal = principal_for(request.state.internal_verifier, request.header(INTERNAL_TOKEN))
    key = request_key(request.header(IDEMPOTENCY_KEY), "POST", request.path, request.body)
    body = request.parse(schemas.PaymentCreate)
    client_id = uuid.UUID(request.params["client_id"])
    return await _submit(request.state, client_id, body, principal, key)


async def _submit(
    state: Any,
    client_id: uuid.UUID,
    body: schemas.PaymentCreate,
    principal: Principal,
    key: RequestKey,
) -> Response:
    payments: GroupCommit[PaymentRequest, Paid] = state.payments
    paid = await payments.submit(
        PaymentRequest(
            principal=principal,
            tenant_id=can_write(principal),
            client_id=client_id,
            body=body,
            key=key,
            correlation_id=correlation_id_var.get(),
        )
    )
    if paid.replayed:
        return replay(paid.answer)
    return Response(paid.answer.body, paid.answer.status_code, media_type="application/json")


FAST_ROUTES = [
    FastRoute("POST", "/api/v1/billing/clients/{client_id}/payments", record_payment_fast)
]
# What record_payment_fast reads by hand: its twin's dependencies (the billing router's
# and the route's own), parameters and body. tests/test_payment_fast_route.py holds the
# twin to exactly these, so a dependency added to one and not the other fails it.
FAST_ROUTE_READS = frozenset(
    {
        f"depends:{get_principal.__module__}.get_principal",
        f"depends:{request_key_dependency.__module__}.request_key_dependency.<locals>.dependency",
        f"header:{IDEMPOTENCY_KEY}",
        "path:client_id",
        f"body:{schemas.PaymentCreate.__name__}",
    }
)


@router.post(
    "/clients/{client_id}/entries/{entry_id}/cancel",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.EntryRead,
)
async def cancel_entry(
    client_id: uuid.UUID,
    entry_id: uuid.UUID,
    body: schemas.CancelIn,
    principal: PrincipalDep,
    ctx: ContextDep,
    idem: IdempotencyDep,
) -> Response:
    """Cancels an entry by adding its reversing entry (the answer); the entry stays, shown
    as cancelled. An entry is cancelled at most once."""
    return await idem.run(
        principal.require_tenant(),
        lambda: Ledger(ctx).cancel(principal, client_id, entry_id, body),
        status_code=201,
    )


@router.get("/clients/{client_id}/balance")
async def balance(
    client_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep
) -> schemas.BalanceRead:
    return await Ledger(ctx).balance(principal, client_id)


@router.get("/clients/{client_id}/ledger")
async def client_ledger(
    client_id: uuid.UUID,
    principal: PrincipalDep,
    ctx: ContextDep,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.EntryRead]:
    """The client's entries, oldest first: their own and transfers to or from them."""
    rows = await Ledger(ctx).client_entries(principal, client_id, cursor, limit)
    items, next_cursor = page(rows, limit)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/payments")
async def payments(
    principal: PrincipalDep,
    ctx: ContextDep,
    from_date: BusinessDate | None = None,
    to_date: BusinessDate | None = None,
    client_id: uuid.UUID | None = None,
    method: schemas.Method | None = None,
    include_cancelled: bool = False,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.EntryRead]:
    rows = await Ledger(ctx).payments(
        principal,
        from_date=from_date,
        to_date=to_date,
        client_id=client_id,
        method=method,
        include_cancelled=include_cancelled,
        cursor=cursor,
        limit=limit,
    )
    items, next_cursor = page(rows, limit)
    return Page(items=items, next_cursor=next_cursor)
