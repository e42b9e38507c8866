"""The journal route."""

from __future__ import annotations

import uuid
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Response

from crm_platform.conditional import NOT_MODIFIED_DOC, tagged
from crm_platform.fields import BusinessDate
from crm_platform.internal_auth import PrincipalDep
from journal_svc.access import tenant_of
from journal_svc.deps import ContextDep
from journal_svc.domain.figures import Month
from journal_svc.grid import schemas
from journal_svc.grid.service import Grid

router = APIRouter()


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

    Serialised straight to JSON in the documented shape (schemas.Journal): the tests hold the
    two together, and the grid skips a second validation of every cell."""
    if from_date is None or until_date is None:
        month = Month.of(await ctx.today(tenant_of(principal)))
        from_date, until_date = from_date or month.first, until_date or month.last
    grid = await Grid(ctx).journal(principal, group_id, from_date, until_date)
    # default=str: the driver's own UUID type (a uuid.UUID subclass) is written as text.
    return tagged(orjson.dumps(grid, default=str), if_none_match)
