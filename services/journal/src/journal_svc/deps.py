"""Request dependencies every router shares: the unit of work's context, versions, system-only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from crm_platform.db import SessionDep
from crm_platform.errors import ProblemError
from crm_platform.internal_auth import PrincipalDep
from journal_svc.context import Context


def context(request: Request, session: SessionDep) -> Context:
    state = request.app.state
    return Context(session, state.outbox, state.clock)


ContextDep = Annotated[Context, Depends(context)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]


def version_of(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ProblemError(
            422,
            "Unprocessable Content",
            "If-Match must be the resource version",
            errors=[{"field": "If-Match", "in": "header", "message": "not a version"}],
        )
    return int(value)


def system_only(principal: PrincipalDep) -> None:
    if principal.realm != "system":
        raise ProblemError(404, "Not Found", "not found")
