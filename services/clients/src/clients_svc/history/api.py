"""Routes of a client's history."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from clients_svc.deps import use_case
from clients_svc.domain.history import Section
from clients_svc.history import schemas
from clients_svc.history.service import History
from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import CursorParam, LimitParam, Page, page

router = APIRouter()
HistoryDep = Annotated[History, Depends(use_case(History))]


@router.get("/clients/{client_id}/history")
async def history(
    client_id: uuid.UUID,
    principal: PrincipalDep,
    svc: HistoryDep,
    section: Annotated[list[Section] | None, Query()] = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.HistoryRead]:
    """Newest first; sections: visits, finances, events, other."""
    rows = await svc.entries(principal, client_id, list(section or []), cursor, limit)
    rows, next_cursor = page(rows, limit)
    return Page(
        items=[schemas.HistoryRead.model_validate(r) for r in rows], next_cursor=next_cursor
    )
