"""HTTP routes of operators: sign-in (/auth/operator/token) and the operator API
(/operator/v1), which only an operator's token reaches; the gateway's lookup of an
organisation's standing (/internal/v1/identity/access/organisations/{id})."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from crm_platform.internal_auth import PrincipalDep, get_principal, system_only
from crm_platform.pagination import CursorParam, LimitParam, Page, page
from identity_svc.deps import ContextDep, client_address
from identity_svc.operators import schemas
from identity_svc.operators.service import Operators, require_operator
from identity_svc.tokens.schemas import Tokens

sign_in_router = APIRouter(prefix="/auth", tags=["auth"], dependencies=[Depends(get_principal)])


async def _operator(principal: PrincipalDep) -> None:
    require_operator(principal)


router = APIRouter(prefix="/operator/v1", tags=["operator"], dependencies=[Depends(_operator)])
internal_router = APIRouter(
    prefix="/internal/v1/identity", tags=["internal"], dependencies=[Depends(system_only)]
)


async def operators(ctx: ContextDep) -> Operators:
    return Operators(ctx)


OperatorsDep = Annotated[Operators, Depends(operators)]


@sign_in_router.post("/operator/token")
async def operator_sign_in(
    body: schemas.OperatorSignIn, svc: OperatorsDep, request: Request
) -> Tokens:
    """Sign in as an operator: the token reaches /operator/v1 only, never staff routes."""
    return await svc.sign_in(body, client_address(request))


@router.get("/me")
async def me(principal: PrincipalDep, svc: OperatorsDep) -> schemas.OperatorRead:
    return await svc.me(principal)


@router.post("/operators", status_code=status.HTTP_201_CREATED)
async def create_operator(body: schemas.OperatorCreate, svc: OperatorsDep) -> schemas.OperatorRead:
    return await svc.create_operator(body)


@router.get("/organisations")
async def organisations(
    svc: OperatorsDep, limit: LimitParam = 50, cursor: CursorParam = None
) -> Page[schemas.OrganisationStanding]:
    """Every organisation with its plan, limits, current counts and status."""
    rows, next_cursor = page(await svc.organisations(cursor, limit), limit)
    return Page(items=rows, next_cursor=next_cursor)


@router.get("/organisations/{organisation_id}")
async def organisation(
    organisation_id: uuid.UUID, svc: OperatorsDep
) -> schemas.OrganisationStanding:
    return await svc.standing(await svc.organisation(organisation_id))


@router.put("/organisations/{organisation_id}/plan")
async def set_plan(
    organisation_id: uuid.UUID, body: schemas.PlanSet, svc: OperatorsDep
) -> schemas.OrganisationStanding:
    """Set the plan and any limits that differ from the plan's own. A limit below what the
    organisation has now is refused (422 naming it). Every service learns the change from
    the event identity.organisation_plan_changed."""
    return await svc.set_plan(organisation_id, body)


@router.post("/organisations/{organisation_id}/suspend")
async def suspend(
    organisation_id: uuid.UUID, body: schemas.Suspension, svc: OperatorsDep
) -> schemas.OrganisationStanding:
    """Its staff are refused (403 with the reason) until it is reactivated."""
    return await svc.suspend(organisation_id, body)


@router.post("/organisations/{organisation_id}/reactivate")
async def reactivate(organisation_id: uuid.UUID, svc: OperatorsDep) -> schemas.OrganisationStanding:
    return await svc.reactivate(organisation_id)


@internal_router.get("/access/organisations/{organisation_id}")
async def organisation_status(
    organisation_id: uuid.UUID, svc: OperatorsDep
) -> dict[str, str | None]:
    return await svc.organisation_status(organisation_id)
