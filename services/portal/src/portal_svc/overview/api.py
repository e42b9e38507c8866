"""GET /portal/v1/overview (cached: overview/cache.py; usually answered by its fast twin),
GET /portal/v1/me."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from crm_platform.fast_routes import FastRequest, FastRoute
from crm_platform.internal_auth import HEADER as INTERNAL_TOKEN
from crm_platform.internal_auth import Principal, PrincipalDep, get_principal, principal_for
from portal_svc.access import ScopeDep, scope_of
from portal_svc.context import Context, ContextDep
from portal_svc.overview import cache, schemas
from portal_svc.overview.service import OverviewService

router = APIRouter()
JSON = "application/json"
PATH = "/portal/v1/overview"
CLIENT_ID = "client_id"


@router.get("/overview", response_model=schemas.Overview)
async def overview(
    request: Request,
    principal: PrincipalDep,
    client_id: Annotated[
        uuid.UUID | None,
        Query(description="The client (of the account's family) the request is about"),
    ] = None,
) -> Response:
    """The client's balance, active packs (shared family packs included) with classes left,
    next lessons, open invoices, unread messages and make-up credits, as of the portal's last
    news from each service.
    \f
    Usually answered by its fast twin below."""
    return await _answer(request.app.state, principal, client_id)


async def overview_fast(request: FastRequest) -> Response:
    """overview as a fast route: the same caller check, then the same code."""
    principal = principal_for(request.state.internal_verifier, request.header(INTERNAL_TOKEN))
    client_id = request.params.get(CLIENT_ID)
    return await _answer(request.state, principal, uuid.UUID(client_id) if client_id else None)


async def _answer(state: Any, principal: Principal, client_id: uuid.UUID | None) -> Response:
    """From the cache when the caller's answer about this client was kept at the
    organisation's current version today; else computed (and kept)."""
    kept: cache.OverviewCache = state.overview_cache
    tenant = principal.tenant_id
    head = cache.Head(0, "UTC")
    if tenant is not None:
        versions: cache.Versions = state.overview_versions
        head = await versions.submit(tenant)
    key: cache.Key | None = None
    if tenant is not None and kept.size > 0:
        key = (principal.realm, tenant, tuple(sorted(principal.client_ids)), client_id)
        body = kept.get(key, head.version, state.clock())
        if body is not None:
            return Response(body, media_type=JSON)
    async with state.database.unit_of_work() as session:
        ctx = Context(session, state.outbox, state.clock)
        scope = await scope_of(principal, ctx, client_id)
        day = cache.local_day(ctx.now(), head.time_zone)
        body = (await OverviewService(ctx).overview(scope, day)).model_dump_json().encode()
    if key is not None:
        kept.put(key, cache.Entry(head.version, head.time_zone, day, body))
    return Response(body, media_type=JSON)


FAST_ROUTES = [FastRoute("GET", PATH, overview_fast, query=[CLIENT_ID])]
# What overview_fast reads by hand: its twin's dependencies (the portal router's and the
# route's own) and parameters. tests/test_overview_fast_route.py holds the twin to exactly
# these, so a dependency added to one and not the other fails it.
FAST_ROUTE_READS = frozenset(
    {f"depends:{get_principal.__module__}.get_principal", f"query:{CLIENT_ID}"}
)


@router.get("/me")
async def me(scope: ScopeDep, ctx: ContextDep) -> schemas.Me:
    return await OverviewService(ctx).me(scope)
