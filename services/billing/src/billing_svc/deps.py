"""Request dependencies every router shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from billing_svc.context import Context
from billing_svc.models import idempotency
from crm_platform.db import SessionDep
from crm_platform.idempotency import (
    Idempotent,
    RequestKey,
    idempotency_dependency,
    request_key_dependency,
)


async def context(request: Request, session: SessionDep) -> Context:
    state = request.app.state
    return Context(session, state.outbox, state.clock)


ContextDep = Annotated[Context, Depends(context)]
# Writes that move money or classes need the key; other writes honour it when sent.
IdempotencyDep = Annotated[Idempotent, Depends(idempotency_dependency(idempotency))]
OptionalIdempotencyDep = Annotated[
    Idempotent, Depends(idempotency_dependency(idempotency, required=False))
]
# For writes that go through a GroupCommit, which claims the key in its own transaction.
RequestKeyDep = Annotated[RequestKey, Depends(request_key_dependency())]
