"""Which clients a caller may see, from the internal token, never from the browser alone.

A portal account sees the client it is linked to and that client's family members as the
clients service says now (the portal's copy of the families); a member removed from the family
drops out at once. An anonymous personal link sees its one client, read-only, without contacts
or the family. Any other client id answers 404, as if it did not exist, and every query is
scoped by the organisation as well."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from crm_platform.errors import NotFoundError
from crm_platform.internal_auth import Principal, PrincipalDep
from portal_svc.context import Context, ContextDep
from portal_svc.repository import Linked, Shared


@dataclass(frozen=True)
class Scope:
    """The caller's organisation, the clients it may see, and the one a request is about."""

    tenant_id: uuid.UUID
    linked: uuid.UUID
    allowed: tuple[uuid.UUID, ...]
    client_id: uuid.UUID
    anonymous: bool


def allowed_clients(
    tenant_id: uuid.UUID, linked: uuid.UUID, card: Linked | None
) -> list[uuid.UUID]:
    """The linked client first, then the other members of its family (archived ones left out)."""
    if card is None or card.tenant_id != tenant_id or card.status == "archived":
        return []
    if card.family_id is None:
        return [linked]
    members = [cid for cid, status in card.members if cid != linked and status != "archived"]
    return [linked, *members]


async def scope_of(principal: Principal, ctx: Context, client_id: uuid.UUID | None = None) -> Scope:
    tenant = principal.tenant_id
    if tenant is None:
        raise NotFoundError("client")
    if principal.realm not in ("portal", "anonymous") or not principal.client_ids:
        raise NotFoundError("client")
    anonymous = principal.realm == "anonymous"
    linked_ids = sorted(principal.client_ids)
    cards = await Shared(ctx.session).linked(tenant, linked_ids)
    allowed: list[uuid.UUID] = []
    for linked in linked_ids:
        found = allowed_clients(tenant, linked, cards.get(linked))
        allowed += [c for c in (found[:1] if anonymous else found) if c not in allowed]
    if not allowed:
        raise NotFoundError("client")
    chosen = client_id or allowed[0]
    if chosen not in allowed:
        raise NotFoundError("client")
    return Scope(tenant, allowed[0], tuple(allowed), chosen, anonymous)


async def scope(
    principal: PrincipalDep,
    ctx: ContextDep,
    client_id: Annotated[
        uuid.UUID | None,
        Query(description="The client (of the account's family) the request is about"),
    ] = None,
) -> Scope:
    return await scope_of(principal, ctx, client_id)


ScopeDep = Annotated[Scope, Depends(scope)]


async def account_scope(scope: ScopeDep) -> Scope:
    """Everything beyond the overview is for a signed-in account, never a personal link."""
    if scope.anonymous:
        raise NotFoundError("resource")
    return scope


AccountScopeDep = Annotated[Scope, Depends(account_scope)]
