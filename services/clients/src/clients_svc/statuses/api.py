"""Routes of a client's statuses: freeze, unfreeze, archive, restore."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from clients_svc.cards.schemas import ClientRead
from clients_svc.deps import use_case
from clients_svc.statuses import schemas
from clients_svc.statuses.service import Statuses
from crm_platform.internal_auth import PrincipalDep

router = APIRouter()
StatusesDep = Annotated[Statuses, Depends(use_case(Statuses))]


@router.post("/clients/{client_id}/freeze")
async def freeze(
    client_id: uuid.UUID,
    body: schemas.FreezeIn,
    principal: PrincipalDep,
    svc: StatusesDep,
) -> ClientRead:
    return await svc.views.read(principal, await svc.freeze(principal, client_id, body))


@router.post("/clients/{client_id}/unfreeze")
async def unfreeze(client_id: uuid.UUID, principal: PrincipalDep, svc: StatusesDep) -> ClientRead:
    return await svc.views.read(principal, await svc.unfreeze(principal, client_id))


@router.post("/clients/{client_id}/archive")
async def archive(client_id: uuid.UUID, principal: PrincipalDep, svc: StatusesDep) -> ClientRead:
    return await svc.views.read(principal, await svc.archive(principal, client_id))


@router.post("/clients/{client_id}/restore")
async def restore(client_id: uuid.UUID, principal: PrincipalDep, svc: StatusesDep) -> ClientRead:
    return await svc.views.read(principal, await svc.restore(principal, client_id))
