"""Routes of a client's family and its payer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from clients_svc.deps import use_case
from clients_svc.families import schemas
from clients_svc.families.service import Families
from crm_platform.internal_auth import PrincipalDep

router = APIRouter()
FamiliesDep = Annotated[Families, Depends(use_case(Families))]


@router.get("/clients/{client_id}/family")
async def family(
    client_id: uuid.UUID, principal: PrincipalDep, svc: FamiliesDep
) -> schemas.FamilyRead:
    return await svc.view(principal, client_id)


@router.post("/clients/{client_id}/family")
async def add_to_family(
    client_id: uuid.UUID, body: schemas.FamilyAdd, principal: PrincipalDep, svc: FamiliesDep
) -> schemas.FamilyRead:
    """Link an existing client to this client's family, or create a new member."""
    return await svc.add(principal, client_id, body)


@router.delete("/clients/{client_id}/family")
async def leave_family(
    client_id: uuid.UUID, principal: PrincipalDep, svc: FamiliesDep
) -> schemas.FamilyRead:
    """Unlink this client from their family."""
    return await svc.leave(principal, client_id)


@router.put("/clients/{client_id}/family/payer")
async def set_payer(
    client_id: uuid.UUID, body: schemas.PayerIn, principal: PrincipalDep, svc: FamiliesDep
) -> schemas.FamilyRead:
    return await svc.set_payer(principal, client_id, body)
