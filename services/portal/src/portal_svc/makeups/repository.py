"""Queries of make-ups: requests, and the free seats of lessons that fit a make-up."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import and_, func, or_, select

from portal_svc.models import Enrolment, Group, Lesson, MakeupRequest, Mark
from portal_svc.repository import Shared

SEAT_LIMIT = 50


class MakeupsRepository(Shared):
    async def credit(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, mark_id: uuid.UUID
    ) -> Mark | None:
        mark = await self.session.get(Mark, mark_id)
        if mark is None or mark.tenant_id != tenant_id or mark.client_id != client_id:
            return None
        if mark.status != "excused" or mark.removed or mark.makeup_until is None:
            return None
        return mark

    async def requests(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> list[MakeupRequest]:
        rows = await self.session.scalars(
            select(MakeupRequest)
            .where(MakeupRequest.tenant_id == tenant_id, MakeupRequest.client_id == client_id)
            .order_by(MakeupRequest.created_at.desc(), MakeupRequest.request_id.desc())
            .limit(100)
        )
        return list(rows)

    async def request(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, request_id: uuid.UUID
    ) -> MakeupRequest | None:
        row = await self.session.get(MakeupRequest, request_id, with_for_update=True)
        if row is None or row.tenant_id != tenant_id or row.client_id != client_id:
            return None
        return row

    async def decided_request(
        self, tenant_id: uuid.UUID, request_id: uuid.UUID
    ) -> MakeupRequest | None:
        """The request the journal answers, locked, whichever client it is for."""
        row = await self.session.get(MakeupRequest, request_id, with_for_update=True)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def lesson(self, tenant_id: uuid.UUID, lesson_id: uuid.UUID) -> Lesson | None:
        lesson = await self.session.get(Lesson, lesson_id)
        return lesson if lesson is not None and lesson.tenant_id == tenant_id else None

    async def seats(
        self,
        tenant_id: uuid.UUID,
        client_id: uuid.UUID,
        absence: Mark,
        start: date,
        end: date,
        limit: int = SEAT_LIMIT,
    ) -> list[tuple[Lesson, Group, int | None]]:
        """Lessons of the absence's group or of groups with its programme (other branches
        included) between two dates, not cancelled, not the client's own, with a free seat."""
        own_group = await self.session.get(Group, absence.group_id)
        fits = [Group.group_id == absence.group_id]
        if own_group is not None and own_group.programme:
            fits.append(Group.programme == own_group.programme)
        enrolled = (
            select(func.count())
            .select_from(Enrolment)
            .where(
                Enrolment.group_id == Lesson.group_id,
                or_(Enrolment.from_date.is_(None), Enrolment.from_date <= Lesson.lesson_date),
                or_(Enrolment.until_date.is_(None), Enrolment.until_date >= Lesson.lesson_date),
            )
            .scalar_subquery()
        )
        guests = (
            select(func.count())
            .select_from(Mark)
            .where(Mark.lesson_id == Lesson.lesson_id, Mark.makeup_of.is_not(None), ~Mark.removed)
            .scalar_subquery()
        )
        mine = select(Mark.lesson_id).where(
            Mark.tenant_id == tenant_id, Mark.client_id == client_id, ~Mark.removed
        )
        in_group = select(Enrolment.group_id).where(
            Enrolment.tenant_id == tenant_id,
            Enrolment.client_id == client_id,
            or_(Enrolment.until_date.is_(None), Enrolment.until_date >= start),
        )
        taken = enrolled + guests
        rows = await self.session.execute(
            select(Lesson, Group, taken)
            .join(Group, Group.group_id == Lesson.group_id)
            .where(
                Lesson.tenant_id == tenant_id,
                Group.tenant_id == tenant_id,
                ~Group.archived,
                or_(*fits),
                Lesson.lesson_date >= start,
                Lesson.lesson_date <= end,
                ~Lesson.cancelled,
                Lesson.lesson_id.not_in(mine),
                Lesson.group_id.not_in(in_group),
                or_(Group.capacity.is_(None), and_(taken < Group.capacity)),
            )
            .order_by(Lesson.lesson_date, Lesson.starts_at)
            .limit(limit)
        )
        return [
            (lesson, group, None if group.capacity is None else group.capacity - int(count))
            for lesson, group, count in rows
        ]
