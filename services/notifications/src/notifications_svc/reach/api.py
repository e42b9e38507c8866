"""Staff's view of how a client can be reached (the client card's "Reach")."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from crm_platform.internal_auth import PrincipalDep
from notifications_svc.deps import ContextDep
from notifications_svc.reach import schemas
from notifications_svc.reach.service import reach

router = APIRouter()


@router.get(
    "/clients/{client_id}/reach",
    summary="How the client can be reached",
    responses={404: {"description": "No such client, or one the caller may not see"}},
)
async def client_reach(
    client_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep
) -> schemas.ReachRead:
    """Each channel's state (Telegram bound or not and since when, push devices by kind,
    whether the card has a confirmed email and a phone, the categories opted out of on each)
    and, per category, the channel a message would take now in the organisation's order
    and the ones next in line. Addresses are never shown: not the Telegram chat, nor a
    device's token. A client of another organisation, or one outside the caller's branches
    and groups, is 404."""
    return await reach(ctx, principal, client_id)
