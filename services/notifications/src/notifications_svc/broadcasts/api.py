from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request

from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import Page
from notifications_svc.broadcasts import schemas
from notifications_svc.broadcasts.service import Broadcasts
from notifications_svc.deps import ContextDep

router = APIRouter()


def _broadcasts(request: Request, ctx: ContextDep) -> Broadcasts:
    return Broadcasts(ctx, request.app.state.settings.broadcast_per_second)


@router.post("/broadcasts/audience")
async def count_audience(
    body: schemas.Audience, request: Request, principal: PrincipalDep, ctx: ContextDep
) -> schemas.AudienceCount:
    """How many clients a broadcast to this audience would reach now."""
    return schemas.AudienceCount(recipients=await _broadcasts(request, ctx).count(principal, body))


@router.post("/broadcasts", status_code=201)
async def send_broadcast(
    body: schemas.BroadcastCreate, request: Request, principal: PrincipalDep, ctx: ContextDep
) -> schemas.BroadcastRead:
    return await _broadcasts(request, ctx).send(principal, body)


@router.get("/broadcasts")
async def list_broadcasts(
    request: Request, principal: PrincipalDep, ctx: ContextDep, limit: int = Query(50, ge=1, le=200)
) -> Page[schemas.BroadcastRead]:
    return Page(items=await _broadcasts(request, ctx).listed(principal, limit))


@router.get("/broadcasts/{broadcast_id}")
async def get_broadcast(
    broadcast_id: uuid.UUID, request: Request, principal: PrincipalDep, ctx: ContextDep
) -> schemas.BroadcastRead:
    return await _broadcasts(request, ctx).one(principal, broadcast_id)


@router.post("/broadcasts/{broadcast_id}/cancel")
async def cancel_broadcast(
    broadcast_id: uuid.UUID, request: Request, principal: PrincipalDep, ctx: ContextDep
) -> schemas.BroadcastRead:
    return await _broadcasts(request, ctx).cancel(principal, broadcast_id)
