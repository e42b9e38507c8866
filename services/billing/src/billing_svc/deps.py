"""Request dependencies every router shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from billing_svc.context import Context
from billing_svc.models import idempotency
from crm_platform.db import SessionDep
from crm_platform.errors import ProblemError
from crm_platform.idempotency import Idempotent, idempotency_dependency
from crm_platform.internal_auth import PrincipalDep


def context(request: Request, session: SessionDep) -> Context:
    state = request.app.state
    return Context(session, state.outbox, state.clock)


ContextDep = Annotated[Context, Depends(context)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
# Writes that move money or classes need the key; other writes honour it when sent.
IdempotencyDep = Annotated[Idempotent, Depends(idempotency_dependency(idempotency))]
OptionalIdempotencyDep = Annotated[
    Idempotent, Depends(idempotency_dependency(idempotency, required=False))
]


def version_of(if_match: str | None) -> int:
    if if_match is None:
        raise ProblemError(428, "Precondition Required", "send If-Match with the version you read")
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ProblemError(
            422,
            "Unprocessable Content",
            "If-Match must be the resource version",
            errors=[{"field": "If-Match", "in": "header", "message": "not a version"}],
        )
    return int(value)


def check_version(current: int, expected: int) -> None:
    if current != expected:
        raise ProblemError(
            412, "Precondition Failed", "changed since you read it; reload and retry"
        )


def system_only(principal: PrincipalDep) -> None:
    if principal.realm != "system":
        raise ProblemError(404, "Not Found", "not found")
