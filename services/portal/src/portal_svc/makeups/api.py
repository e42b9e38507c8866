"""GET /portal/v1/makeups, GET /portal/v1/makeups/{mark_id}/seats,
POST /portal/v1/makeups (Idempotency-Key), POST /portal/v1/makeups/{request_id}/cancel."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from crm_platform.idempotency import Idempotent, idempotency_dependency
from crm_platform.internal_auth import PrincipalDep
from portal_svc.access import AccountScopeDep
from portal_svc.context import ContextDep
from portal_svc.makeups import schemas
from portal_svc.makeups.service import MakeupsService
from portal_svc.models import idempotency

router = APIRouter()
IdempotencyDep = Annotated[Idempotent, Depends(idempotency_dependency(idempotency))]


@router.get("/makeups")
async def makeups(
    scope: AccountScopeDep, ctx: ContextDep, principal: PrincipalDep
) -> schemas.Makeups:
    return await MakeupsService(ctx, principal.subject).overview(scope)


@router.get("/makeups/{mark_id}/seats")
async def seats(
    mark_id: uuid.UUID, scope: AccountScopeDep, ctx: ContextDep, principal: PrincipalDep
) -> schemas.Seats:
    """The lessons with a free seat that this make-up credit (an excused absence) may book,
    from the day after the absence until the credit's window closes. The whole list:
    `next_cursor` is always null. 404 when the mark is not one of the client's credits."""
    return await MakeupsService(ctx, principal.subject).seats(scope, mark_id)


@router.post("/makeups", status_code=status.HTTP_202_ACCEPTED, response_model=schemas.RequestRead)
async def book(
    body: schemas.BookIn,
    scope: AccountScopeDep,
    ctx: ContextDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
) -> Response:
    """Pending until the journal confirms; the same Idempotency-Key replays the answer."""
    service = MakeupsService(ctx, principal.subject)
    return await idem.run(
        principal.subject,
        lambda: service.book(scope, body),
        status_code=status.HTTP_202_ACCEPTED,
    )


@router.post("/makeups/{request_id}/cancel", status_code=status.HTTP_202_ACCEPTED)
async def cancel(
    request_id: uuid.UUID, scope: AccountScopeDep, ctx: ContextDep, principal: PrincipalDep
) -> schemas.RequestRead:
    return await MakeupsService(ctx, principal.subject).cancel(scope, request_id)
