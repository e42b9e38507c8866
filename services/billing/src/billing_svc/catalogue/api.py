"""Catalogue routes: services, subscriptions and pack templates."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, status

from billing_svc.catalogue import schemas
from billing_svc.catalogue.service import Catalogue, to_read
from billing_svc.deps import ContextDep
from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import CursorParam, LimitParam, Page, page
from crm_platform.preconditions import IfMatch, required_version

router = APIRouter(prefix="/catalogue")


@router.get("")
async def list_services(
    principal: PrincipalDep,
    ctx: ContextDep,
    kind: Literal["one_time", "subscription", "pack"] | None = None,
    archived: bool | None = False,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.ServiceRead]:
    rows, currency = await Catalogue(ctx).list(principal, kind, archived, cursor, limit)
    items, next_cursor = page(rows, limit)
    return Page(items=[to_read(s, currency) for s in items], next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_service(
    body: schemas.ServiceCreate, principal: PrincipalDep, ctx: ContextDep
) -> schemas.ServiceRead:
    return await Catalogue(ctx).create(principal, body)


@router.get("/{service_id}")
async def get_service(
    service_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep
) -> schemas.ServiceRead:
    return await Catalogue(ctx).get(principal, service_id)


@router.patch("/{service_id}")
async def update_service(
    service_id: uuid.UUID,
    body: schemas.ServiceUpdate,
    principal: PrincipalDep,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> schemas.ServiceRead:
    return await Catalogue(ctx).update(principal, service_id, body, required_version(if_match))
