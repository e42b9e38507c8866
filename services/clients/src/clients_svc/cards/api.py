"""Routes of the client card: search, create, duplicates, read, change; the public email
confirmation."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from clients_svc.cards import schemas
from clients_svc.cards.service import Cards
from clients_svc.deps import use_case
from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import CursorParam, LimitParam, Page, page
from crm_platform.preconditions import IfMatch, version_of

router = APIRouter()
public_router = APIRouter()
CardsDep = Annotated[Cards, Depends(use_case(Cards))]

StatusParam = Annotated[
    list[Literal["active", "frozen", "archived"]] | None,
    Query(alias="status", description="active and frozen when omitted; archived: the archive"),
]
TagParam = Annotated[list[uuid.UUID] | None, Query(alias="tag_id", max_length=20)]
TagMode = Annotated[Literal["any", "all"], Query(description="clients with any or all tags")]
Balance = Literal["negative", "zero", "positive"]
Q = Annotated[str | None, Query(max_length=200, description="name, phone or email")]


@router.get("/clients")
async def search_clients(
    principal: PrincipalDep,
    svc: CardsDep,
    q: Q = None,
    status_: StatusParam = None,
    branch_id: uuid.UUID | None = None,
    tag_ids: TagParam = None,
    tag_mode: TagMode = "any",
    group_id: uuid.UUID | None = None,
    balance: Balance | None = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.ClientRead]:
    rows, today = await svc.search(
        principal,
        q=q,
        statuses=list(status_ or []),
        branch_id=branch_id,
        tag_ids=list(tag_ids or []),
        all_tags=tag_mode == "all",
        group_id=group_id,
        balance=balance,
        cursor=cursor,
        limit=limit,
    )
    rows, next_cursor = page(rows, limit)
    return Page(items=await svc.views.reads(principal, rows, today), next_cursor=next_cursor)


@router.post("/clients", status_code=status.HTTP_201_CREATED)
async def create_client(
    body: schemas.ClientCreate, principal: PrincipalDep, svc: CardsDep
) -> schemas.ClientCreated:
    client, duplicates = await svc.create(principal, body)
    read = await svc.views.read(principal, client)
    return schemas.ClientCreated(**read.model_dump(), duplicates=duplicates)


@router.get("/clients/duplicates")
async def duplicates(
    principal: PrincipalDep,
    svc: CardsDep,
    phone: Annotated[str | None, Query(max_length=40)] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
) -> schemas.Duplicates:
    """Before saving a card: which clients already have this phone or email, one entry per
    card and field matched (a card the caller may not see is named only as existing). The
    whole list: `next_cursor` is always null."""
    return schemas.Duplicates(items=await svc.check_duplicates(principal, phone, email))


@router.get("/clients/{client_id}")
async def get_client(
    client_id: uuid.UUID, principal: PrincipalDep, svc: CardsDep
) -> schemas.ClientRead:
    return await svc.views.read(principal, await svc.get(principal, client_id))


@router.patch("/clients/{client_id}")
async def update_client(
    client_id: uuid.UUID,
    body: schemas.ClientUpdate,
    principal: PrincipalDep,
    svc: CardsDep,
    if_match: IfMatch = None,
) -> schemas.ClientCreated:
    """Answers with duplicate warnings when the phone or email now matches another client."""
    client = await svc.update(principal, client_id, body, version_of(if_match))
    read = await svc.views.read(principal, client)
    contact_changed = {"phone", "email"} & body.model_fields_set
    duplicates = (
        await svc.duplicates(principal, client.phone, client.email, client.id)
        if contact_changed
        else []
    )
    return schemas.ClientCreated(**read.model_dump(), duplicates=duplicates)


@public_router.post("/email-confirmations", status_code=status.HTTP_204_NO_CONTENT)
async def confirm_email(body: schemas.EmailConfirm, svc: CardsDep) -> None:
    """The link in the confirmation letter lands here; no sign-in needed."""
    await svc.confirm_email(body)
