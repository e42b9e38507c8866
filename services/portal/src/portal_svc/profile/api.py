"""GET /portal/v1/profile, POST /portal/v1/profile/requests."""

from __future__ import annotations

from fastapi import APIRouter, status

from crm_platform.internal_auth import PrincipalDep
from portal_svc.access import AccountScopeDep
from portal_svc.context import ContextDep
from portal_svc.profile import schemas
from portal_svc.profile.service import ProfileService

router = APIRouter()


@router.get("/profile")
async def profile(scope: AccountScopeDep, ctx: ContextDep) -> schemas.Profile:
    return await ProfileService(ctx).profile(scope)


@router.post("/profile/requests", status_code=status.HTTP_202_ACCEPTED)
async def request_change(
    body: schemas.ChangeIn, scope: AccountScopeDep, ctx: ContextDep, principal: PrincipalDep
) -> schemas.RequestRead:
    """Sent to clients for staff to approve; pending until they decide."""
    return await ProfileService(ctx).request(scope, principal.subject, body)
