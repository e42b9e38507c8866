"""Routes of the personal link (staff side), and the lookups the gateway, the portal and a
messenger bot make with a system token."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from clients_svc.deps import use_case
from clients_svc.links import schemas
from clients_svc.links.service import Links
from crm_contracts.locations import Location
from crm_platform.internal_auth import PrincipalDep

router = APIRouter()
internal_router = APIRouter()
LinksDep = Annotated[Links, Depends(use_case(Links))]


@router.get("/clients/{client_id}/link")
async def link_state(
    client_id: uuid.UUID, principal: PrincipalDep, svc: LinksDep
) -> schemas.LinkState:
    return await svc.link_state(principal, client_id)


@router.post("/clients/{client_id}/link", status_code=status.HTTP_201_CREATED)
async def issue_link(
    client_id: uuid.UUID, principal: PrincipalDep, svc: LinksDep
) -> schemas.LinkIssued:
    """Issue (or re-issue) the anonymous personal link; the token is shown only now."""
    return await svc.issue(principal, client_id)


@router.delete("/clients/{client_id}/link", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_link(client_id: uuid.UUID, principal: PrincipalDep, svc: LinksDep) -> None:
    await svc.revoke(principal, client_id)


@internal_router.get("/access/clients/{client_id}")
async def client_location(client_id: uuid.UUID, svc: LinksDep) -> Location:
    return await svc.locate(client_id)


@internal_router.post("/links/resolve")
async def resolve_link(body: schemas.LinkLookup, svc: LinksDep) -> schemas.LinkResolved:
    """The portal's lookup from an anonymous link's token to its client."""
    return await svc.resolve(body)


@internal_router.post("/messenger-bindings")
async def bind_messenger(body: schemas.MessengerBind, svc: LinksDep) -> schemas.MessengerBound:
    """A messenger bot passes the phone number the person shared with it."""
    return await svc.bind_messenger(body)
