"""Selling to a client and a pack's life. Writes that move money or classes need an
Idempotency-Key; the others honour one when sent."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Response, status

from billing_svc.deps import ContextDep, IdempotencyDep, OptionalIdempotencyDep
from billing_svc.packs import schemas
from billing_svc.packs.service import Packs
from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import CursorParam, LimitParam, Page, page
from crm_platform.preconditions import IfMatch, required_version

router = APIRouter(prefix="/clients/{client_id}/packs")
PACK = "/{pack_id}"


@router.get("")
async def client_packs(
    client_id: uuid.UUID,
    principal: PrincipalDep,
    ctx: ContextDep,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.PackRead]:
    rows = await Packs(ctx).reading.client_packs(principal, client_id, cursor, limit)
    items, next_cursor = page(rows, limit)
    return Page(items=items, next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=schemas.PackRead)
async def sell(
    client_id: uuid.UUID,
    body: schemas.PackSell,
    principal: PrincipalDep,
    ctx: ContextDep,
    idem: IdempotencyDep,
) -> Response:
    """Sells a pack, subscription or one-time service: paid, on credit, or without payment."""
    return await idem.run(
        principal.require_tenant(),
        lambda: Packs(ctx).selling.sell(principal, client_id, body),
        status_code=201,
    )


@router.get(PACK)
async def pack_history(
    client_id: uuid.UUID, pack_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep
) -> schemas.PackHistory:
    """The pack with its usage history and every change."""
    return await Packs(ctx).reading.pack_history(principal, client_id, pack_id)


@router.patch(PACK)
async def edit(
    client_id: uuid.UUID,
    pack_id: uuid.UUID,
    body: schemas.PackEdit,
    principal: PrincipalDep,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> schemas.PackRead:
    """Changes validity, or whether a subscription renews by itself (If-Match: the version)."""
    return await Packs(ctx).life.edit(
        principal, client_id, pack_id, body, required_version(if_match)
    )


def _run(
    idem: IdempotencyDep | OptionalIdempotencyDep,
    tenant: uuid.UUID,
    effect: Callable[[], Awaitable[schemas.PackRead]],
) -> Awaitable[Response]:
    return idem.run(tenant, effect)


@router.post(PACK + "/extend", response_model=schemas.PackRead)
async def extend(
    client_id: uuid.UUID,
    pack_id: uuid.UUID,
    body: schemas.PackExtend,
    principal: PrincipalDep,
    ctx: ContextDep,
    idem: IdempotencyDep,
) -> Response:
    return await _run(
        idem,
        principal.require_tenant(),
        lambda: Packs(ctx).life.extend(principal, client_id, pack_id, body),
    )


@router.post(PACK + "/bonus", response_model=schemas.PackRead)
async def bonus(
    client_id: uuid.UUID,
    pack_id: uuid.UUID,
    body: schemas.BonusIn,
    principal: PrincipalDep,
    ctx: ContextDep,
    idem: IdempotencyDep,
) -> Response:
    return await _run(
        idem,
        principal.require_tenant(),
        lambda: Packs(ctx).life.bonus(principal, client_id, pack_id, body),
    )


@router.post(PACK + "/freeze", response_model=schemas.PackRead)
async def freeze(
    client_id: uuid.UUID,
    pack_id: uuid.UUID,
    body: schemas.FreezeIn,
    principal: PrincipalDep,
    ctx: ContextDep,
    idem: OptionalIdempotencyDep,
) -> Response:
    return await _run(
        idem,
        principal.require_tenant(),
        lambda: Packs(ctx).life.freeze(principal, client_id, pack_id, body),
    )


@router.post(PACK + "/unfreeze", response_model=schemas.PackRead)
async def unfreeze(
    client_id: uuid.UUID,
    pack_id: uuid.UUID,
    body: schemas.UnfreezeIn,
    principal: PrincipalDep,
    ctx: ContextDep,
    idem: OptionalIdempotencyDep,
) -> Response:
    return await _run(
        idem,
        principal.require_tenant(),
        lambda: Packs(ctx).life.unfreeze(principal, client_id, pack_id, body),
    )


@router.post(PACK + "/restore", response_model=schemas.PackRead)
async def restore(
    client_id: uuid.UUID,
    pack_id: uuid.UUID,
    body: schemas.RestoreIn,
    principal: PrincipalDep,
    ctx: ContextDep,
    idem: IdempotencyDep,
) -> Response:
    return await _run(
        idem,
        principal.require_tenant(),
        lambda: Packs(ctx).life.restore(principal, client_id, pack_id, body),
    )


@router.post(PACK + "/refund", response_model=schemas.PackRead)
async def refund(
    client_id: uuid.UUID,
    pack_id: uuid.UUID,
    body: schemas.RefundIn,
    principal: PrincipalDep,
    ctx: ContextDep,
    idem: IdempotencyDep,
) -> Response:
    return await _run(
        idem,
        principal.require_tenant(),
        lambda: Packs(ctx).moves.refund(principal, client_id, pack_id, body),
    )


@router.post(PACK + "/transfer", response_model=schemas.PackRead)
async def transfer(
    client_id: uuid.UUID,
    pack_id: uuid.UUID,
    body: schemas.TransferIn,
    principal: PrincipalDep,
    ctx: ContextDep,
    idem: IdempotencyDep,
) -> Response:
    return await _run(
        idem,
        principal.require_tenant(),
        lambda: Packs(ctx).moves.transfer(principal, client_id, pack_id, body),
    )


@router.post(PACK + "/visits", response_model=schemas.PackRead)
async def virtual_visit(
    client_id: uuid.UUID,
    pack_id: uuid.UUID,
    body: schemas.VirtualVisitIn,
    principal: PrincipalDep,
    ctx: ContextDep,
    idem: IdempotencyDep,
) -> Response:
    """A virtual visit: uses classes without a journal mark."""
    return await _run(
        idem,
        principal.require_tenant(),
        lambda: Packs(ctx).moves.virtual_visit(principal, client_id, pack_id, body),
    )
