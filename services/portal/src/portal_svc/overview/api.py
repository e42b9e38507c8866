"""GET /portal/v1/overview."""

from __future__ import annotations

from fastapi import APIRouter

from portal_svc.access import ScopeDep
from portal_svc.context import ContextDep
from portal_svc.overview import schemas
from portal_svc.overview.service import OverviewService

router = APIRouter()


@router.get("/overview")
async def overview(scope: ScopeDep, ctx: ContextDep) -> schemas.Overview:
    return await OverviewService(ctx).overview(scope)


@router.get("/me")
async def me(scope: ScopeDep, ctx: ContextDep) -> schemas.Me:
    return await OverviewService(ctx).me(scope)
