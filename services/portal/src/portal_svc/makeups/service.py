"""Make-up booking from the portal: credits, seats that fit, and requests to the journal.

A request is pending until the journal answers (journal.makeup_booking_decided): booked, or
refused with the reason. One make-up has at most one live request (a unique index), so two
requests for one credit at the same moment cannot both go out; the journal, which holds the
seats, decides the last seat."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from crm_contracts.events.journal import MakeupBookingDecided
from crm_contracts.events.portal import MakeupCancelRequested, MakeupRequested
from crm_contracts.ids import uuid7
from crm_platform.errors import ConflictError, NotFoundError
from portal_svc.access import Scope
from portal_svc.context import Context
from portal_svc.makeups import schemas
from portal_svc.makeups.repository import MakeupsRepository
from portal_svc.models import MakeupRequest
from portal_svc.overview.repository import OverviewRepository
from portal_svc.overview.schemas import MakeupCredit
from portal_svc.schemas_common import AsOf

LIVE = ("pending", "booked", "cancelling")


@dataclass
class MakeupsService:
    ctx: Context
    account: str

    @property
    def repo(self) -> MakeupsRepository:
        return MakeupsRepository(self.ctx.session)

    async def overview(self, scope: Scope) -> schemas.Makeups:
        tenant, client_id = scope.tenant_id, scope.client_id
        today = await self.ctx.today(tenant)
        credits = await OverviewRepository(self.ctx.session).makeup_credits(
            tenant, client_id, today
        )
        return schemas.Makeups(
            as_of=AsOf(**await self.repo.as_of(tenant)),
            client_id=client_id,
            credits=[
                MakeupCredit(
                    mark_id=m.mark_id,
                    group_id=m.group_id,
                    group_name=name,
                    missed_on=m.lesson_date,
                    usable_until=m.makeup_until,
                )
                for m, name in credits
                if m.makeup_until is not None
            ],
            requests=[
                schemas.RequestRead.model_validate(r)
                for r in await self.repo.requests(tenant, client_id)
            ],
        )

    async def seats(self, scope: Scope, mark_id: uuid.UUID) -> schemas.Seats:
        tenant, client_id = scope.tenant_id, scope.client_id
        absence = await self.repo.credit(tenant, client_id, mark_id)
        if absence is None or absence.makeup_until is None:
            raise NotFoundError("make-up")
        today = await self.ctx.today(tenant)
        start = max(absence.lesson_date + timedelta(days=1), today)
        rows = await self.repo.seats(tenant, client_id, absence, start, absence.makeup_until)
        return schemas.Seats(
            as_of=AsOf(**await self.repo.as_of(tenant)),
            items=[
                schemas.Seat(
                    lesson_id=lesson.lesson_id,
                    group_id=group.group_id,
                    group_name=group.name,
                    branch_id=lesson.branch_id,
                    lesson_date=lesson.lesson_date,
                    starts_at=lesson.starts_at,
                    duration_minutes=lesson.duration_minutes,
                    free_seats=free,
                )
                for lesson, group, free in rows
            ],
        )

    async def book(self, scope: Scope, body: schemas.BookIn) -> schemas.RequestRead:
        tenant, client_id = scope.tenant_id, scope.client_id
        absence = await self.repo.credit(tenant, client_id, body.mark_id)
        if absence is None:
            raise NotFoundError("make-up")
        lesson = await self.repo.lesson(tenant, body.lesson_id)
        if lesson is None:
            raise NotFoundError("lesson")
        request = MakeupRequest(
            request_id=uuid7(),
            tenant_id=tenant,
            account=self.account[:64],
            client_id=client_id,
            absence_mark_id=absence.mark_id,
            lesson_id=lesson.lesson_id,
            status="pending",
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(request)
        try:
            async with self.ctx.session.begin_nested():
                await self.ctx.session.flush()
        except IntegrityError:
            raise ConflictError("this make-up is already booked or being booked") from None
        await self.ctx.emit(
            tenant,
            request.request_id,
            MakeupRequested(
                request_id=request.request_id,
                client_id=client_id,
                absence_mark_id=absence.mark_id,
                lesson_id=lesson.lesson_id,
            ),
        )
        return schemas.RequestRead.model_validate(request)

    async def cancel(self, scope: Scope, request_id: uuid.UUID) -> schemas.RequestRead:
        request = await self.repo.request(scope.tenant_id, scope.client_id, request_id)
        if request is None:
            raise NotFoundError("make-up request")
        if request.status != "booked":
            raise ConflictError(f"a {request.status} make-up cannot be cancelled")
        request.status = "cancelling"
        await self.ctx.emit(
            scope.tenant_id,
            request.request_id,
            MakeupCancelRequested(
                request_id=request.request_id,
                client_id=request.client_id,
                absence_mark_id=request.absence_mark_id,
                lesson_id=request.lesson_id,
            ),
        )
        return schemas.RequestRead.model_validate(request)


async def decided(ctx: Context, tenant_id: uuid.UUID, answer: MakeupBookingDecided) -> None:
    """The journal's answer; a refused cancellation leaves the make-up booked."""
    request = await MakeupsRepository(ctx.session).decided_request(tenant_id, answer.request_id)
    if request is None:
        return
    if answer.outcome == "booked" and request.status == "pending":
        request.status = "booked"
    elif answer.outcome == "cancelled":
        request.status = "cancelled"
    elif answer.outcome == "refused" and request.status == "pending":
        request.status = "refused"
    elif answer.outcome == "refused" and request.status == "cancelling":
        request.status = "booked"
    else:
        return
    request.reason = answer.reason
    request.decided_at = ctx.now()
