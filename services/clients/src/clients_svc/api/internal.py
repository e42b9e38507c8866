"""Routes that are not a staff member's: the public email confirmation, and the internal
lookups the gateway, the portal and a messenger bot make with a system token."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel

from clients_svc import schemas
from clients_svc.api.deps import CardsDep, LeadsDep, LinksDep
from crm_platform.internal_auth import get_principal, system_only

public_router = APIRouter(
    prefix="/api/v1/clients", tags=["clients"], dependencies=[Depends(get_principal)]
)
internal_router = APIRouter(
    prefix="/internal/v1/clients",
    tags=["internal"],
    dependencies=[Depends(get_principal), Depends(system_only)],
)


class PortalSignupAnswer(BaseModel):
    outcome: Literal["client", "lead"]
    id: uuid.UUID


@public_router.post("/email-confirmations", status_code=status.HTTP_204_NO_CONTENT)
async def confirm_email(body: schemas.EmailConfirm, svc: CardsDep) -> None:
    """The link in the confirmation letter lands here; no sign-in needed."""
    await svc.confirm_email(body)


@internal_router.get("/access/clients/{client_id}")
async def client_location(client_id: uuid.UUID, svc: LinksDep) -> schemas.Location:
    return await svc.locate(client_id)


@internal_router.post("/links/resolve")
async def resolve_link(body: schemas.LinkLookup, svc: LinksDep) -> schemas.LinkResolved:
    """The portal's lookup from an anonymous link's token to its client."""
    return await svc.resolve(body)


@internal_router.post("/messenger-bindings")
async def bind_messenger(body: schemas.MessengerBind, svc: LinksDep) -> schemas.MessengerBound:
    """A messenger bot passes the phone number the person shared with it."""
    return await svc.bind_messenger(body)


@internal_router.post("/portal-signups", status_code=status.HTTP_200_OK)
async def portal_signup(body: schemas.PortalLeadIn, svc: LeadsDep) -> PortalSignupAnswer:
    """A portal sign-up: a known client, or a lead for the staff to call."""
    outcome, found = await svc.from_portal(body)
    return PortalSignupAnswer(outcome=outcome, id=found)
