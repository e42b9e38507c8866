"""Routes of tags (and a client's tags) and custom field definitions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from clients_svc.cards.schemas import ClientRead
from clients_svc.deps import use_case
from clients_svc.tags import schemas
from clients_svc.tags.service import CustomFields, Tags
from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import Page

router = APIRouter()
TagsDep = Annotated[Tags, Depends(use_case(Tags))]
FieldsDep = Annotated[CustomFields, Depends(use_case(CustomFields))]


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


@router.put("/clients/{client_id}/tags")
async def put_tags(
    client_id: uuid.UUID,
    body: schemas.ClientTagsReplace,
    principal: PrincipalDep,
    svc: TagsDep,
) -> ClientRead:
    return await svc.views.read(principal, await svc.put_on(principal, client_id, body))
