"""Routes of enrolments and waitlists (under their group, which the gateway locates)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from crm_platform.fields import BusinessDate
from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import CursorParam, LimitParam, Page, page
from journal_svc.deps import ContextDep
from journal_svc.enrolments import schemas
from journal_svc.enrolments.service import Enrolments

router = APIRouter()


def _read(row: object) -> schemas.EnrolmentRead:
    return schemas.EnrolmentRead.model_validate(row)


@router.get("/groups/{group_id}/enrolments")
async def enrolments(
    group_id: uuid.UUID,
    principal: PrincipalDep,
    ctx: ContextDep,
    on: BusinessDate | None = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.EnrolmentRead]:
    rows, next_cursor = page(
        await Enrolments(ctx).find(principal, group_id, on, cursor, limit), limit
    )
    return Page(items=[_read(r) for r in rows], next_cursor=next_cursor)


@router.post("/groups/{group_id}/enrolments", status_code=status.HTTP_201_CREATED)
async def enrol(
    group_id: uuid.UUID, body: schemas.EnrolmentCreate, principal: PrincipalDep, ctx: ContextDep
) -> schemas.EnrolmentRead:
    return _read(await Enrolments(ctx).enrol(principal, group_id, body))


@router.post("/groups/{group_id}/enrolments/{enrolment_id}/transfer")
async def transfer(
    group_id: uuid.UUID,
    enrolment_id: uuid.UUID,
    body: schemas.TransferIn,
    principal: PrincipalDep,
    ctx: ContextDep,
) -> schemas.Transferred:
    ended, started = await Enrolments(ctx).transfer(principal, group_id, enrolment_id, body)
    return schemas.Transferred(ended=_read(ended), started=_read(started))


@router.post("/groups/{group_id}/enrolments/{enrolment_id}/archive")
async def archive(
    group_id: uuid.UUID,
    enrolment_id: uuid.UUID,
    body: schemas.ArchiveIn,
    principal: PrincipalDep,
    ctx: ContextDep,
) -> schemas.EnrolmentRead:
    return _read(await Enrolments(ctx).archive(principal, group_id, enrolment_id, body))


@router.get("/groups/{group_id}/waitlist")
async def waitlist(
    group_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep
) -> Page[schemas.WaitlistRead]:
    rows = await Enrolments(ctx).waitlist(principal, group_id)
    return Page(items=[schemas.WaitlistRead.model_validate(r) for r in rows])


@router.post("/groups/{group_id}/waitlist", status_code=status.HTTP_201_CREATED)
async def join_waitlist(
    group_id: uuid.UUID, body: schemas.WaitlistAdd, principal: PrincipalDep, ctx: ContextDep
) -> schemas.WaitlistRead:
    entry = await Enrolments(ctx).join_waitlist(principal, group_id, body)
    return schemas.WaitlistRead.model_validate(entry)


@router.post("/groups/{group_id}/waitlist/{entry_id}/accept", status_code=status.HTTP_201_CREATED)
async def accept_offer(
    group_id: uuid.UUID,
    entry_id: uuid.UUID,
    body: schemas.AcceptIn,
    principal: PrincipalDep,
    ctx: ContextDep,
) -> schemas.EnrolmentRead:
    return _read(await Enrolments(ctx).accept_offer(principal, group_id, entry_id, body))


@router.post("/groups/{group_id}/waitlist/{entry_id}/offer")
async def offer_seat(
    group_id: uuid.UUID, entry_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep
) -> schemas.WaitlistRead:
    """Offers a free seat to this waiting client (409 when the group is full)."""
    entry = await Enrolments(ctx).offer(principal, group_id, entry_id)
    return schemas.WaitlistRead.model_validate(entry)


@router.post("/groups/{group_id}/waitlist/{entry_id}/decline")
async def decline(
    group_id: uuid.UUID, entry_id: uuid.UUID, principal: PrincipalDep, ctx: ContextDep
) -> schemas.WaitlistRead:
    entry = await Enrolments(ctx).decline(principal, group_id, entry_id)
    return schemas.WaitlistRead.model_validate(entry)
