"""Routes of sign-up (/auth), the organisation and its branches (/api/v1/identity), and where
a branch belongs (/internal/v1/identity, for the gateway)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request, status

from crm_contracts.locations import Location
from crm_platform.internal_auth import PrincipalDep, system_only
from crm_platform.pagination import CursorParam, LimitParam, Page, page
from crm_platform.preconditions import IfMatch, version_of
from identity_svc.deps import ContextDep, client_address
from identity_svc.organisation import schemas
from identity_svc.organisation.service import Organisations

auth_router = APIRouter()
router = APIRouter()
internal_router = APIRouter()


@auth_router.post("/signup", status_code=status.HTTP_201_CREATED)
async def sign_up(body: schemas.SignUp, ctx: ContextDep, request: Request) -> schemas.SignedUp:
    return await Organisations(ctx).sign_up(body, client_address(request))


@router.get("/organisation")
async def organisation(principal: PrincipalDep, ctx: ContextDep) -> schemas.OrganisationRead:
    return schemas.OrganisationRead.model_validate(await Organisations(ctx).organisation(principal))


@router.patch("/organisation")
async def update_organisation(
    body: schemas.OrganisationUpdate,
    principal: PrincipalDep,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> schemas.OrganisationRead:
    org = await Organisations(ctx).update_organisation(principal, body, version_of(if_match))
    return schemas.OrganisationRead.model_validate(org)


@router.get("/branches")
async def branches(
    principal: PrincipalDep, ctx: ContextDep, limit: LimitParam = 50, cursor: CursorParam = None
) -> Page[schemas.BranchRead]:
    rows, next_cursor = page(await Organisations(ctx).branches(principal, cursor, limit), limit)
    return Page(items=[schemas.BranchRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("/branches", status_code=status.HTTP_201_CREATED)
async def create_branch(
    body: schemas.BranchCreate, principal: PrincipalDep, ctx: ContextDep
) -> schemas.BranchRead:
    return schemas.BranchRead.model_validate(
        await Organisations(ctx).create_branch(principal, body)
    )


@router.get("/branches/{branch_id}")
async def branch(
    branch_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep
) -> schemas.BranchRead:
    return schemas.BranchRead.model_validate(await Organisations(ctx).branch(principal, branch_id))


@router.patch("/branches/{branch_id}")
async def update_branch(
    branch_id: uuid.UUID,
    body: schemas.BranchUpdate,
    principal: PrincipalDep,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> schemas.BranchRead:
    updated = await Organisations(ctx).update_branch(
        principal, branch_id, body, version_of(if_match)
    )
    return schemas.BranchRead.model_validate(updated)


@internal_router.get("/access/branches/{branch_id}", dependencies=[Depends(system_only)])
async def branch_location(branch_id: uuid.UUID, ctx: ContextDep) -> Location:
    return await Organisations(ctx).branch_location(branch_id)
