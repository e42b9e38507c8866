"""Routes of staff users and their grants (/api/v1/identity), and what a user may reach
(/internal/v1/identity, for the gateway)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, status

from crm_platform.internal_auth import PrincipalDep, system_only
from crm_platform.pagination import CursorParam, LimitParam, Page, page
from crm_platform.preconditions import IfMatch, version_of
from identity_svc.deps import ContextDep
from identity_svc.staff import schemas
from identity_svc.staff.service import Staff

router = APIRouter()
internal_router = APIRouter()


@router.get("/me")
async def me(principal: PrincipalDep, ctx: ContextDep) -> schemas.StaffRead:
    return await Staff(ctx).me(principal)


@router.get("/staff")
async def staff_list(
    principal: PrincipalDep, ctx: ContextDep, limit: LimitParam = 50, cursor: CursorParam = None
) -> Page[schemas.StaffRead]:
    rows, next_cursor = page(await Staff(ctx).staff_list(principal, cursor, limit), limit)
    return Page(items=rows, next_cursor=next_cursor)


@router.post("/staff", status_code=status.HTTP_201_CREATED)
async def create_staff(
    body: schemas.StaffCreate, principal: PrincipalDep, ctx: ContextDep
) -> schemas.StaffRead:
    return await Staff(ctx).create_staff(principal, body)


@router.get("/staff/{user_id}")
async def staff(user_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep) -> schemas.StaffRead:
    return await Staff(ctx).staff(principal, user_id)


@router.patch("/staff/{user_id}")
async def update_staff(
    user_id: uuid.UUID,
    body: schemas.StaffUpdate,
    principal: PrincipalDep,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> schemas.StaffRead:
    return await Staff(ctx).update_staff(principal, user_id, body, version_of(if_match))


@router.put("/staff/{user_id}/grants")
async def replace_grants(
    user_id: uuid.UUID, body: schemas.GrantsReplace, principal: PrincipalDep, ctx: ContextDep
) -> schemas.StaffRead:
    return await Staff(ctx).replace_grants(principal, user_id, body)


@router.post("/staff/{user_id}/deactivate")
async def deactivate_staff(
    user_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep
) -> schemas.StaffRead:
    return await Staff(ctx).deactivate_staff(principal, user_id)


@internal_router.get("/access/{user_id}", dependencies=[Depends(system_only)])
async def access(user_id: uuid.UUID, ctx: ContextDep) -> schemas.AccessRead:
    return await Staff(ctx).access(user_id)
