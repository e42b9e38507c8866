"""Request dependencies every router shares: the unit of work's context."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from crm_platform.db import SessionDep
from journal_svc.context import Context


async def context(request: Request, session: SessionDep) -> Context:
    state = request.app.state
    return Context(session, state.outbox, state.clock)


ContextDep = Annotated[Context, Depends(context)]
