"""A client's opt-outs per category (reminders, news) and channel, set by staff. Transactional
messages (confirmations, invitations, resets) cannot be switched off: the category is not
accepted here."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from crm_platform.errors import NotFoundError
from crm_platform.internal_auth import PrincipalDep, require_role
from crm_platform.pagination import Page
from notifications_svc.access import sees_client
from notifications_svc.deps import ContextDep
from notifications_svc.messages.repository import MessagesRepository
from notifications_svc.models import Client
from notifications_svc.optouts.repository import OptOutsRepository
from notifications_svc.optouts.schemas import OptOutRead, OptOutWrite
from notifications_svc.readmodels import ReadModels

router = APIRouter()


async def _client(ctx: ContextDep, principal: PrincipalDep, client_id: uuid.UUID) -> Client:
    models = ReadModels(ctx.session)
    client = await models.find_client(client_id)
    if client is None:
        raise NotFoundError("client")
    groups = await models.groups_of(client_id)
    if not sees_client(principal, client, groups):
        raise NotFoundError("client")
    return client


async def opt_outs_of(ctx: ContextDep, client_id: uuid.UUID) -> Page[OptOutRead]:
    rows = await OptOutsRepository(ctx.session).of_client(client_id)
    return Page(
        items=[OptOutRead(category=o.category, channel=o.channel, source=o.source) for o in rows]
    )


@router.get("/clients/{client_id}/opt-outs")
async def list_opt_outs(
    client_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep
) -> Page[OptOutRead]:
    await _client(ctx, principal, client_id)
    return await opt_outs_of(ctx, client_id)


@router.put("/clients/{client_id}/opt-outs")
async def set_opt_out(
    client_id: uuid.UUID, body: OptOutWrite, principal: PrincipalDep, ctx: ContextDep
) -> Page[OptOutRead]:
    require_role(principal, "owner", "admin", "teacher")
    client = await _client(ctx, principal, client_id)
    if body.opted_out:
        await MessagesRepository(ctx.session).add_opt_out(
            client.tenant_id,
            client.id,
            body.category,
            body.channel,
            source="staff",
            created_at=ctx.now(),
        )
    else:
        await OptOutsRepository(ctx.session).remove(client.id, body.category, body.channel)
    return await opt_outs_of(ctx, client_id)
