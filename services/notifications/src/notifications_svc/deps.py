"""Request dependencies every router shares: the unit of work's context."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from crm_platform.db import SessionDep
from notifications_svc.context import Context


async def context(request: Request, session: SessionDep) -> Context:
    return Context(session, request.app.state.clock)


ContextDep = Annotated[Context, Depends(context)]
