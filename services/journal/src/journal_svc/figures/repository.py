"""Aggregates for figures and pay: sums over lessons, whose counters follow their marks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Date, case, distinct, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.internal_auth import Principal
from journal_svc.access import visible_groups
from journal_svc.models import ClientCard, Enrolment, Group, Lesson, PayRate, StaffMember
from journal_svc.repository import active_on


class FiguresRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lessons(self, group_id: uuid.UUID, start: date, until: date) -> Sequence[Any]:
        rows = await self.session.execute(
            select(
                Lesson.lesson_date, Lesson.cancelled, Lesson.attended_count, Lesson.marked_count
            ).where(
                Lesson.group_id == group_id,
                Lesson.lesson_date >= start,
                Lesson.lesson_date <= until,
            )
        )
        return rows.all()

    async def enrolled_ages(
        self, principal: Principal, day: date
    ) -> dict[uuid.UUID, tuple[int, int, int]]:
        """group -> (enrolled on the day, of them with a known birthday, their ages in days)."""
        if self.session.get_bind().dialect.name == "postgresql":
            days: Any = literal(day, Date) - ClientCard.birthday
        else:
            days = func.julianday(literal(day.isoformat())) - func.julianday(ClientCard.birthday)
        rows = await self.session.execute(
            select(
                Enrolment.group_id,
                func.count(distinct(Enrolment.client_id)),
                func.count(ClientCard.birthday),
                func.sum(days),
            )
            .join(Group, Group.id == Enrolment.group_id)
            .outerjoin(
                ClientCard,
                (ClientCard.client_id == Enrolment.client_id)
                & (ClientCard.tenant_id == Enrolment.tenant_id),
            )
            .where(visible_groups(principal), *active_on(day))
            .group_by(Enrolment.group_id)
        )
        return {g: (int(n), int(known), int(total or 0)) for g, n, known, total in rows.all()}

    async def groups(self, principal: Principal) -> Sequence[Any]:
        rows = await self.session.execute(
            select(Group.id, Group.name, Group.branch_id, Group.programme, Group.capacity).where(
                visible_groups(principal), Group.archived.is_(False)
            )
        )
        return rows.all()

    async def month_by_group(
        self, principal: Principal, start: date, until: date, held_until: date
    ) -> dict[uuid.UUID, tuple[int, int, int, int, int]]:
        """group -> (planned, held, cancelled, attendances, recorded) for the period."""
        live = Lesson.cancelled.is_(False)
        held = live & (Lesson.lesson_date <= held_until)
        rows = await self.session.execute(
            select(
                Lesson.group_id,
                func.sum(case((live, 1), else_=0)),
                func.sum(case((held, 1), else_=0)),
                func.sum(case((live, 0), else_=1)),
                func.sum(case((held, Lesson.attended_count), else_=0)),
                func.sum(case((held, Lesson.marked_count), else_=0)),
            )
            .join(Group, Group.id == Lesson.group_id)
            .where(
                visible_groups(principal),
                Lesson.lesson_date >= start,
                Lesson.lesson_date <= until,
            )
            .group_by(Lesson.group_id)
        )
        return {
            g: (int(a or 0), int(b or 0), int(c or 0), int(d or 0), int(e or 0))
            for g, a, b, c, d, e in rows.all()
        }

    async def held_by_teacher(
        self,
        principal: Principal,
        start: date,
        until: date,
        teacher_id: uuid.UUID | None,
    ) -> Sequence[Any]:
        """Every held lesson in the period with its teacher, length and attendees."""
        query = (
            select(
                Lesson.teacher_id,
                Lesson.id,
                Lesson.lesson_date,
                Lesson.end_minute - Lesson.start_minute,
                Lesson.attended_count,
            )
            .join(Group, Group.id == Lesson.group_id)
            .where(
                visible_groups(principal),
                Lesson.cancelled.is_(False),
                Lesson.teacher_id.is_not(None),
                Lesson.lesson_date >= start,
                Lesson.lesson_date <= until,
            )
            .order_by(Lesson.teacher_id, Lesson.lesson_date, Lesson.id)
        )
        if teacher_id is not None:
            query = query.where(Lesson.teacher_id == teacher_id)
        return (await self.session.execute(query)).all()

    async def rates(
        self, tenant_id: uuid.UUID, teacher_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[PayRate]]:
        out: dict[uuid.UUID, list[PayRate]] = {t: [] for t in teacher_ids}
        if not teacher_ids:
            return out
        rows = await self.session.execute(
            select(PayRate)
            .where(PayRate.tenant_id == tenant_id, PayRate.teacher_id.in_(teacher_ids))
            .order_by(PayRate.effective_from)
        )
        for rate in rows.scalars().all():
            out[rate.teacher_id].append(rate)
        return out

    async def group_enrolments(self, group_id: uuid.UUID) -> Sequence[Any]:
        """(client, from, until, birthday or None) of every enrolment of the group."""
        rows = await self.session.execute(
            select(
                Enrolment.client_id, Enrolment.from_date, Enrolment.until_date, ClientCard.birthday
            )
            .outerjoin(
                ClientCard,
                (ClientCard.client_id == Enrolment.client_id)
                & (ClientCard.tenant_id == Enrolment.tenant_id),
            )
            .where(Enrolment.group_id == group_id)
        )
        return rows.all()

    async def staff_names(
        self, tenant_id: uuid.UUID, user_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, str | None]:
        if not user_ids:
            return {}
        rows = await self.session.execute(
            select(StaffMember.user_id, StaffMember.name).where(
                StaffMember.tenant_id == tenant_id, StaffMember.user_id.in_(user_ids)
            )
        )
        return {user_id: name for user_id, name in rows}
