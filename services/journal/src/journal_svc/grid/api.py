"""The journal route, and its fast twin (crm_platform.fast_routes) that usually answers it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Response

from crm_platform.conditional import NOT_MODIFIED_DOC, tagged
from crm_platform.fast_routes import FastRequest, FastRoute
from crm_platform.fields import BusinessDate
from crm_platform.internal_auth import HEADER as INTERNAL_TOKEN
from crm_platform.internal_auth import Principal, PrincipalDep, get_principal, principal_for
from journal_svc.access import tenant_of
from journal_svc.context import Context
from journal_svc.deps import ContextDep, context
from journal_svc.domain.figures import Month
from journal_svc.grid import schemas
from journal_svc.grid.service import Grid

router = APIRouter()
PATH = "/api/v1/journal/groups/{group_id}/journal"
PERIOD = ("from_date", "until_date")


@router.get(
    "/groups/{group_id}/journal", response_model=schemas.Journal, responses=NOT_MODIFIED_DOC
)
async def journal(
    group_id: uuid.UUID,
    principal: PrincipalDep,
    ctx: ContextDep,
    from_date: BusinessDate | None = None,
    until_date: BusinessDate | None = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Clients x lessons of a group for a period (this month when left out).

    The answer carries an ETag: sent back in If-None-Match, it gets 304 Not Modified while
    the journal is as it was (marks, lessons, members, their cards and balances).
    \f
    Serialised straight to JSON in the documented shape (schemas.Journal): the tests hold the
    two together, and the grid skips a second validation of every cell. Usually answered by
    its fast twin below."""
    return await _answer(ctx, principal, group_id, from_date, until_date, if_none_match)


async def journal_fast(request: FastRequest) -> Response:
    """journal as a fast route: the same caller check, then the same code."""
    state = request.state
    principal = principal_for(state.internal_verifier, request.header(INTERNAL_TOKEN))
    start, until = (
        date.fromisoformat(request.params[p]) if p in request.params else None for p in PERIOD
    )
    async with state.database.sessions() as session:
        ctx = Context(session, state.outbox, state.clock)
        group_id = uuid.UUID(request.params["group_id"])
        return await _answer(
            ctx, principal, group_id, start, until, request.header("if-none-match")
        )


async def _answer(
    ctx: Context,
    principal: Principal,
    group_id: uuid.UUID,
    from_date: date | None,
    until_date: date | None,
    if_none_match: str | None,
) -> Response:
    if from_date is None or until_date is None:
        month = Month.of(await ctx.today(tenant_of(principal)))
        from_date, until_date = from_date or month.first, until_date or month.last
    grid: dict[str, Any] = await Grid(ctx).journal(principal, group_id, from_date, until_date)
    # default=str: the driver's own UUID type (a uuid.UUID subclass) is written as text.
    return tagged(orjson.dumps(grid, default=str), if_none_match)


FAST_ROUTES = [FastRoute("GET", PATH, journal_fast, dates=PERIOD)]
# What journal_fast reads by hand: its twin's dependencies (the journal router's and the
# route's own) and parameters. tests/test_grid_fast_route.py holds the twin to exactly these.
FAST_ROUTE_READS = frozenset(
    {
        f"depends:{get_principal.__module__}.get_principal",
        f"depends:{context.__module__}.context",
        "depends:crm_platform.db._request_session",
        "path:group_id",
        "query:from_date",
        "query:until_date",
        "header:if-none-match",
    }
)
