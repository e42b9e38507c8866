"""A client's opt-outs per category (reminders, news) and channel, set by staff. Transactional
messages (confirmations, invitations, resets) cannot be switched off: the category is not
accepted here."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from sqlalchemy import delete, select

from crm_platform.errors import NotFoundError
from crm_platform.internal_auth import PrincipalDep, require_role
from crm_platform.pagination import Page
from notifications_svc.access import sees_client
from notifications_svc.deps import ContextDep
from notifications_svc.messages.repository import MessagesRepository
from notifications_svc.models import Client, ClientGroup, OptOut
from notifications_svc.optouts.schemas import OptOutRead, OptOutWrite

router = APIRouter()


async def _client(ctx: ContextDep, principal: PrincipalDep, client_id: uuid.UUID) -> Client:
    client = await ctx.session.get(Client, client_id)
    if client is None:
        raise NotFoundError("client")
    groups = set(
        (
            await ctx.session.execute(
                select(ClientGroup.group_id).where(ClientGroup.client_id == client_id)
            )
        ).scalars()
    )
    if not sees_client(principal, client, groups):
        raise NotFoundError("client")
    return client


async def opt_outs_of(ctx: ContextDep, client_id: uuid.UUID) -> Page[OptOutRead]:
    rows = await ctx.session.execute(
        select(OptOut)
        .where(OptOut.client_id == client_id)
        .order_by(OptOut.category, OptOut.channel)
    )
    return Page(
        items=[
            OptOutRead(category=o.category, channel=o.channel, source=o.source)
            for o in rows.scalars()
        ]
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
        await ctx.session.execute(
            delete(OptOut).where(
                OptOut.client_id == client.id,
                OptOut.category == body.category,
                OptOut.channel == body.channel,
            )
        )
    return await opt_outs_of(ctx, client_id)
