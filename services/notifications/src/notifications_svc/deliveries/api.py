from __future__ import annotations

import uuid

from fastapi import APIRouter

from crm_platform.fields import BusinessTime
from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import CursorParam, LimitParam, Page, page
from notifications_svc.deliveries import schemas
from notifications_svc.deliveries.schemas import Status
from notifications_svc.deliveries.service import DeliveryLog
from notifications_svc.deps import ContextDep

router = APIRouter()


@router.get("/deliveries")
async def list_deliveries(
    principal: PrincipalDep,
    ctx: ContextDep,
    client_id: uuid.UUID | None = None,
    trigger: str | None = None,
    channel: str | None = None,
    status: Status | None = None,
    since: BusinessTime | None = None,
    until: BusinessTime | None = None,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> Page[schemas.MessageRead]:
    rows = await DeliveryLog(ctx).list(
        principal,
        client_id=client_id,
        trigger=trigger,
        channel=channel,
        status=status,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )
    items, next_cursor = page(rows, limit)
    return Page(
        items=[schemas.MessageRead.model_validate(m) for m in items], next_cursor=next_cursor
    )


@router.get("/deliveries/{message_id}")
async def get_delivery(
    message_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep
) -> schemas.MessageDetail:
    return await DeliveryLog(ctx).one(principal, message_id)


@router.post("/deliveries/{message_id}/resend")
async def resend_delivery(
    message_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep
) -> schemas.MessageDetail:
    return await DeliveryLog(ctx).resend(principal, message_id)
