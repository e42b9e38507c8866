"""Routes that organise clients: tags, custom fields, families, personal links."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, status

from clients_svc import schemas
from clients_svc.api.deps import FamiliesDep, FieldsDep, LinksDep, TagsDep
from crm_platform.internal_auth import PrincipalDep, get_principal, staff_only
from crm_platform.pagination import Page

router = APIRouter(
    prefix="/api/v1/clients",
    tags=["clients"],
    dependencies=[Depends(get_principal), Depends(staff_only)],
)


@router.get("/tags")
async def tags(principal: PrincipalDep, svc: TagsDep) -> Page[schemas.TagRead]:
    """Every tag of the organisation, by name, in one page (the list shape of every list)."""
    found = await svc.all_tags(principal)
    return Page(items=[schemas.TagRead.model_validate(t) for t in found], next_cursor=None)


@router.post("/tags", status_code=status.HTTP_201_CREATED)
async def create_tag(
    body: schemas.TagCreate, principal: PrincipalDep, svc: TagsDep
) -> schemas.TagRead:
    return schemas.TagRead.model_validate(await svc.create(principal, body))


@router.patch("/tags/{tag_id}")
async def rename_tag(
    tag_id: uuid.UUID, body: schemas.TagUpdate, principal: PrincipalDep, svc: TagsDep
) -> schemas.TagRead:
    return schemas.TagRead.model_validate(await svc.rename(principal, tag_id, body))


@router.delete("/tags/{tag_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_tag(tag_id: uuid.UUID, principal: PrincipalDep, svc: TagsDep) -> None:
    await svc.delete(principal, tag_id)


@router.get("/custom-fields")
async def custom_fields(principal: PrincipalDep, svc: FieldsDep) -> Page[schemas.CustomFieldRead]:
    """Every custom field of the organisation's cards, in one page."""
    found = await svc.all_fields(principal)
    return Page(items=[schemas.CustomFieldRead.model_validate(f) for f in found], next_cursor=None)


@router.post("/custom-fields", status_code=status.HTTP_201_CREATED)
async def create_custom_field(
    body: schemas.CustomFieldCreate, principal: PrincipalDep, svc: FieldsDep
) -> schemas.CustomFieldRead:
    return schemas.CustomFieldRead.model_validate(await svc.create(principal, body))


@router.delete("/custom-fields/{field_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_custom_field(field_id: uuid.UUID, principal: PrincipalDep, svc: FieldsDep) -> None:
    await svc.delete(principal, field_id)


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


@router.get("/clients/{client_id}/link")
async def link_state(
    client_id: uuid.UUID, principal: PrincipalDep, svc: LinksDep
) -> schemas.LinkState:
    return await svc.link_state(principal, client_id)


@router.post("/clients/{client_id}/link", status_code=status.HTTP_201_CREATED)
async def issue_link(
    client_id: uuid.UUID, principal: PrincipalDep, svc: LinksDep
) -> schemas.LinkIssued:
    """Issue (or re-issue) the anonymous personal link; the token is shown only now."""
    return await svc.issue(principal, client_id)


@router.delete("/clients/{client_id}/link", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_link(client_id: uuid.UUID, principal: PrincipalDep, svc: LinksDep) -> None:
    await svc.revoke(principal, client_id)
