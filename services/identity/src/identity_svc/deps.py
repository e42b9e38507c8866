"""Request dependencies every router shares: the unit of work's context, the caller's address."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from crm_platform.db import SessionDep
from identity_svc.context import Context

CLIENT_ADDRESS_HEADER = "x-client-address"


async def context(request: Request, session: SessionDep) -> Context:
    state = request.app.state
    return Context(session, state.outbox, state.clock, settings=state.settings, keys=state.keys)


ContextDep = Annotated[Context, Depends(context)]


def client_address(request: Request) -> str:
    # Set by the gateway (which strips any copy a caller sends); the internal token vouches for it.
    return request.headers.get(CLIENT_ADDRESS_HEADER) or "unknown"
