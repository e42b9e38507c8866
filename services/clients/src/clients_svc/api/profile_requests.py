"""Staff routes for the profile change requests clients send from the portal."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, StringConstraints

from clients_svc.api.deps import ProfileRequestsDep
from crm_platform.internal_auth import PrincipalDep, get_principal, staff_only
from crm_platform.pagination import Page

router = APIRouter(
    prefix="/api/v1/clients",
    tags=["clients"],
    dependencies=[Depends(get_principal), Depends(staff_only)],
)


class ProfileRequestRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    client_id: uuid.UUID
    changes: dict[str, Any]
    status: str
    reason: str | None
    created_at: datetime
    decided_at: datetime | None


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


@router.get("/profile-requests")
async def pending(principal: PrincipalDep, svc: ProfileRequestsDep) -> Page[ProfileRequestRead]:
    """Requests waiting for staff, of the clients the caller sees, in one page."""
    found = await svc.pending(principal)
    return Page(items=[ProfileRequestRead.model_validate(r) for r in found], next_cursor=None)


@router.post("/profile-requests/{request_id}/approve")
async def approve(
    request_id: uuid.UUID, principal: PrincipalDep, svc: ProfileRequestsDep
) -> ProfileRequestRead:
    return ProfileRequestRead.model_validate(await svc.approve(principal, request_id))


@router.post("/profile-requests/{request_id}/reject")
async def reject(
    request_id: uuid.UUID, body: RejectIn, principal: PrincipalDep, svc: ProfileRequestsDep
) -> ProfileRequestRead:
    return ProfileRequestRead.model_validate(await svc.reject(principal, request_id, body.reason))
