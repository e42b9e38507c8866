"""The signed-in client's own preferences from the portal: the same opt-outs staff set, with
the source "client". The client is the one the portal session carries in its internal token
(the linked client, by default) or a member of that client's family as the clients service
says now (a parent sets a child's preferences); any other id answers 404, as if it did not
exist."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from crm_platform.errors import NotFoundError
from crm_platform.internal_auth import Principal, PrincipalDep
from crm_platform.pagination import Page
from notifications_svc.deps import ContextDep
from notifications_svc.messages.repository import MessagesRepository
from notifications_svc.models import Client
from notifications_svc.optouts.api import opt_outs_of
from notifications_svc.optouts.repository import OptOutsRepository
from notifications_svc.optouts.schemas import OptOutRead, OptOutWrite
from notifications_svc.readmodels import ReadModels

router = APIRouter(prefix="/portal/v1", tags=["portal"])


class PreferenceWrite(OptOutWrite):
    client_id: uuid.UUID | None = None


async def _card(ctx: ContextDep, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Client | None:
    client = await ReadModels(ctx.session).card(tenant_id, client_id)
    return None if client is None or client.status == "archived" else client


async def own_client(ctx: ContextDep, principal: Principal, client_id: uuid.UUID | None) -> Client:
    """The session's client: `client_id` if the session carries it or it is in the family of
    one the session carries, else the session's first client."""
    tenant = principal.tenant_id
    if principal.realm != "portal" or tenant is None or not principal.client_ids:
        raise NotFoundError("client")
    linked = sorted(principal.client_ids)
    chosen = client_id or linked[0]
    client = await _card(ctx, tenant, chosen)
    if client is None:
        raise NotFoundError("client")
    if chosen in linked:
        return client
    for own in linked:
        card = await _card(ctx, tenant, own)
        if card is not None and card.family_id is not None and card.family_id == client.family_id:
            return client
    raise NotFoundError("client")


@router.get("/preferences")
async def my_preferences(
    principal: PrincipalDep,
    ctx: ContextDep,
    client_id: Annotated[
        uuid.UUID | None, Query(description="One of the session's clients; the linked by default")
    ] = None,
) -> Page[OptOutRead]:
    client = await own_client(ctx, principal, client_id)
    return await opt_outs_of(ctx, client.id)


@router.put("/preferences")
async def set_my_preference(
    body: PreferenceWrite, principal: PrincipalDep, ctx: ContextDep
) -> Page[OptOutRead]:
    client = await own_client(ctx, principal, body.client_id)
    if body.opted_out:
        await MessagesRepository(ctx.session).add_opt_out(
            client.tenant_id,
            client.id,
            body.category,
            body.channel,
            source="client",
            created_at=ctx.now(),
        )
    else:
        await OptOutsRepository(ctx.session).remove(client.id, body.category, body.channel)
    return await opt_outs_of(ctx, client.id)
