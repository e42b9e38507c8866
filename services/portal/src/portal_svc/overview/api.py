"""GET /portal/v1/overview (cached: overview/cache.py), GET /portal/v1/me."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from crm_platform.internal_auth import PrincipalDep
from portal_svc.access import ScopeDep, scope_of
from portal_svc.context import ContextDep
from portal_svc.messages.repository import MessagesRepository
from portal_svc.overview import cache, schemas
from portal_svc.overview.service import OverviewService

router = APIRouter()
JSON = "application/json"


@router.get("/overview", response_model=schemas.Overview)
async def overview(
    request: Request,
    principal: PrincipalDep,
    ctx: ContextDep,
    client_id: Annotated[
        uuid.UUID | None,
        Query(description="The client (of the account's family) the request is about"),
    ] = None,
) -> Response:
    kept: cache.OverviewCache = request.app.state.overview_cache
    tenant = principal.tenant_id
    key: cache.Key | None = None
    version = 0
    if tenant is not None and kept.size > 0:
        key = (principal.realm, tenant, tuple(sorted(principal.client_ids)), client_id)
        version = await cache.current(ctx.session, tenant)
        body = kept.get(key, version, ctx.now())
        if body is not None:
            return Response(body, media_type=JSON)
    scope = await scope_of(principal, ctx, client_id)
    unread = (
        0
        if scope.anonymous
        else await MessagesRepository(ctx.session).unread(scope.tenant_id, scope.client_id)
    )
    answer = await OverviewService(ctx).overview(scope, unread)
    body = answer.model_dump_json().encode()
    if key is not None:
        org = await ctx.organisation(scope.tenant_id)
        zone = org.time_zone if org else "UTC"
        day = cache.local_day(ctx.now(), zone)
        kept.put(key, cache.Entry(version=version, time_zone=zone, day=day, body=body))
    return Response(body, media_type=JSON)


@router.get("/me")
async def me(scope: ScopeDep, ctx: ContextDep) -> schemas.Me:
    return await OverviewService(ctx).me(scope)
