"""Request dependencies every router shares: the unit of work's context, and a use case
built on it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from clients_svc.context import Context
from crm_platform.db import SessionDep

U = TypeVar("U")


async def context(request: Request, session: SessionDep) -> Context:
    state = request.app.state
    return Context(session, state.outbox, state.clock, settings=state.settings)


ContextDep = Annotated[Context, Depends(context)]


def use_case(cls: Callable[[Context], U]) -> Callable[[Context], Awaitable[U]]:
    """A dependency that gives a route the use case `cls` on this request's context."""

    async def build(ctx: ContextDep) -> U:
        return cls(ctx)

    return build
