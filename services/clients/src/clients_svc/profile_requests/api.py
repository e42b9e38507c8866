"""Staff routes for the profile change requests clients send from the portal."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from clients_svc.deps import use_case
from clients_svc.profile_requests import schemas
from clients_svc.profile_requests.service import ProfileRequests
from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import Page

router = APIRouter()
ProfileRequestsDep = Annotated[ProfileRequests, Depends(use_case(ProfileRequests))]


@router.get("/profile-requests")
async def pending(
    principal: PrincipalDep, svc: ProfileRequestsDep
) -> Page[schemas.ProfileRequestRead]:
    """Requests waiting for staff, of the clients the caller sees, in one page."""
    found = await svc.pending(principal)
    return Page(
        items=[schemas.ProfileRequestRead.model_validate(r) for r in found], next_cursor=None
    )


@router.post("/profile-requests/{request_id}/approve")
async def approve(
    request_id: uuid.UUID, principal: PrincipalDep, svc: ProfileRequestsDep
) -> schemas.ProfileRequestRead:
    return schemas.ProfileRequestRead.model_validate(await svc.approve(principal, request_id))


@router.post("/profile-requests/{request_id}/reject")
async def reject(
    request_id: uuid.UUID, body: schemas.RejectIn, principal: PrincipalDep, svc: ProfileRequestsDep
) -> schemas.ProfileRequestRead:
    return schemas.ProfileRequestRead.model_validate(
        await svc.reject(principal, request_id, body.reason)
    )
