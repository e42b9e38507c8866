"""Staff routes for portal sign-ups waiting for review."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from clients_svc.deps import use_case
from clients_svc.portal_signups import schemas
from clients_svc.portal_signups.service import PortalSignupReviews
from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import Page

router = APIRouter()
ReviewsDep = Annotated[PortalSignupReviews, Depends(use_case(PortalSignupReviews))]


@router.get("/portal-signups")
async def open_signups(principal: PrincipalDep, svc: ReviewsDep) -> Page[schemas.ReviewRead]:
    """Portal sign-ups whose email or phone is on several active cards, oldest first, each
    with the cards the caller sees; in one page."""
    return Page(items=await svc.open(principal), next_cursor=None)


@router.post("/portal-signups/{account_id}/link")
async def link_signup(
    account_id: uuid.UUID, body: schemas.LinkIn, principal: PrincipalDep, svc: ReviewsDep
) -> schemas.ReviewRead:
    """Links the waiting portal account to this card (active, holding the login)."""
    return await svc.link(principal, account_id, body)
