"""Routes of leads, and the portal's sign-up lookup."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from clients_svc.deps import use_case
from clients_svc.leads import schemas
from clients_svc.leads.service import Leads
from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import CursorParam, LimitParam, Page, page
from crm_platform.preconditions import IfMatch, version_of

router = APIRouter()
internal_router = APIRouter()
LeadsDep = Annotated[Leads, Depends(use_case(Leads))]


@router.get("/leads")
async def leads(
    principal: PrincipalDep,
    svc: LeadsDep,
    status_: Annotated[list[schemas.LeadStatus] | None, Query(alias="status")] = None,
    branch_id: uuid.UUID | None = None,
    source: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.LeadRead]:
    """Leads in the caller's branches, oldest first; `branch_id` and `source` (exact) narrow
    the list."""
    found = await svc.search(
        principal, list(status_ or []), cursor, limit, branch_id=branch_id, source=source
    )
    rows, next_cursor = page(found, limit)
    return Page(items=[schemas.LeadRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("/leads", status_code=status.HTTP_201_CREATED)
async def create_lead(
    body: schemas.LeadCreate, principal: PrincipalDep, svc: LeadsDep
) -> schemas.LeadRead:
    return schemas.LeadRead.model_validate(await svc.create(principal, body))


@router.get("/leads/{lead_id}")
async def lead(lead_id: uuid.UUID, principal: PrincipalDep, svc: LeadsDep) -> schemas.LeadRead:
    return schemas.LeadRead.model_validate(await svc.get(principal, lead_id))


@router.patch("/leads/{lead_id}")
async def update_lead(
    lead_id: uuid.UUID,
    body: schemas.LeadUpdate,
    principal: PrincipalDep,
    svc: LeadsDep,
    if_match: IfMatch = None,
) -> schemas.LeadRead:
    updated = await svc.update(principal, lead_id, body, version_of(if_match))
    return schemas.LeadRead.model_validate(updated)


@router.post("/leads/{lead_id}/convert", status_code=status.HTTP_201_CREATED)
async def convert_lead(
    lead_id: uuid.UUID, body: schemas.LeadConvert, principal: PrincipalDep, svc: LeadsDep
) -> schemas.LeadRead:
    """A new client from the lead (its history goes with it); answers the won lead."""
    await svc.convert(principal, lead_id, body)
    return schemas.LeadRead.model_validate(await svc.get(principal, lead_id))


@internal_router.post("/portal-signups", status_code=status.HTTP_200_OK)
async def portal_signup(body: schemas.PortalLeadIn, svc: LeadsDep) -> schemas.PortalSignupAnswer:
    """A portal sign-up: a known client, or a lead for the staff to call."""
    outcome, found = await svc.from_portal(body)
    return schemas.PortalSignupAnswer(outcome=outcome, id=found)
