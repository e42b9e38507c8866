"""GET /portal/v1/overview."""

from __future__ import annotations

from fastapi import APIRouter

from portal_svc.access import ScopeDep
from portal_svc.context import ContextDep
from portal_svc.messages.repository import MessagesRepository
from portal_svc.overview import schemas
from portal_svc.overview.service import OverviewService

router = APIRouter()


@router.get("/overview")
async def overview(scope: ScopeDep, ctx: ContextDep) -> schemas.Overview:
    unread = (
        0
        if scope.anonymous
        else await MessagesRepository(ctx.session).unread(scope.tenant_id, scope.client_id)
    )
    return await OverviewService(ctx).overview(scope, unread)


@router.get("/me")
async def me(scope: ScopeDep, ctx: ContextDep) -> schemas.Me:
    return await OverviewService(ctx).me(scope)
