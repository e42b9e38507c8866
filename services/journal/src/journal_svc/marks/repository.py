"""Queries of marks, open make-ups and free seats."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm_platform.db import insert_once
from crm_platform.internal_auth import Principal
from journal_svc.access import visible_groups
from journal_svc.models import Enrolment, Group, Lesson, MakeupNotice, Mark
from journal_svc.repository import active_on


class MarksRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def mark(
        self, lesson_id: uuid.UUID, client_id: uuid.UUID, *, for_update: bool = False
    ) -> Mark | None:
        query = select(Mark).where(Mark.lesson_id == lesson_id, Mark.client_id == client_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def next_lesson(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, today: date, minute: int
    ) -> tuple[Lesson, Group] | None:
        """The client's next lesson not started at `minute` of `today` (where the
        organisation is) in a group they are enrolled in on its day, locked."""
        query = (
            select(Lesson, Group)
            .join(Group, Group.id == Lesson.group_id)
            .join(
                Enrolment,
                and_(
                    Enrolment.group_id == Lesson.group_id,
                    Enrolment.client_id == client_id,
                    Enrolment.from_date <= Lesson.lesson_date,
                    or_(Enrolment.until_date.is_(None), Enrolment.until_date >= Lesson.lesson_date),
                ),
            )
            .where(
                Lesson.tenant_id == tenant_id,
                Lesson.cancelled.is_(False),
                or_(
                    Lesson.lesson_date > today,
                    and_(Lesson.lesson_date == today, Lesson.start_minute > minute),
                ),
            )
            .order_by(Lesson.lesson_date, Lesson.start_minute)
            .limit(1)
            .with_for_update(of=Lesson)
        )
        found = (await self.session.execute(query)).first()
        return (found[0], found[1]) if found is not None else None

    async def expiring(
        self, horizon: date, earliest: date, limit: int
    ) -> list[tuple[Mark, uuid.UUID]]:
        """Excused absences whose unused make-up window closes between `earliest` and
        `horizon`, not announced yet, with their group's branch; soonest first."""
        used = aliased(Mark)
        rows = await self.session.execute(
            select(Mark, Group.branch_id)
            .join(Group, Group.id == Mark.group_id)
            .where(
                Mark.status == "excused",
                Mark.makeup_until.is_not(None),
                Mark.makeup_until <= horizon,
                Mark.makeup_until >= earliest,
                ~exists().where(MakeupNotice.mark_id == Mark.id),
                ~exists().where(used.makeup_of == Mark.id),
            )
            .order_by(Mark.makeup_until)
            .limit(limit)
        )
        return [(mark, branch_id) for mark, branch_id in rows.all()]

    async def claim_notice(self, absence: Mark, at: datetime) -> bool:
        """Records the absence's expiry as announced; False when it was (here or elsewhere)."""
        return await insert_once(
            self.session,
            MakeupNotice,
            mark_id=absence.id,
            tenant_id=absence.tenant_id,
            noticed_at=at,
        )

    async def marks(self, lesson_id: uuid.UUID) -> Sequence[Mark]:
        rows = await self.session.execute(
            select(Mark).where(Mark.lesson_id == lesson_id).order_by(Mark.id)
        )
        return list(rows.scalars().all())

    async def absence(self, tenant_id: uuid.UUID, mark_id: uuid.UUID) -> Mark | None:
        rows = await self.session.execute(
            select(Mark).where(Mark.id == mark_id, Mark.tenant_id == tenant_id).with_for_update()
        )
        return rows.scalar_one_or_none()

    async def used_by(self, absence_id: uuid.UUID) -> Mark | None:
        rows = await self.session.execute(select(Mark).where(Mark.makeup_of == absence_id))
        return rows.scalar_one_or_none()

    async def enrolled_clients(self, group_id: uuid.UUID, day: date) -> list[uuid.UUID]:
        rows = await self.session.execute(
            select(Enrolment.client_id)
            .where(Enrolment.group_id == group_id, *active_on(day))
            .order_by(Enrolment.client_id)
        )
        return list(dict.fromkeys(rows.scalars().all()))

    async def open_makeups(
        self,
        principal: Principal,
        today: date,
        client_id: uuid.UUID | None,
        group_id: uuid.UUID | None,
        limit: int,
    ) -> Sequence[Mark]:
        used = aliased(Mark)
        query = (
            select(Mark)
            .join(Group, Group.id == Mark.group_id)
            .outerjoin(used, used.makeup_of == Mark.id)
            .where(
                visible_groups(principal),
                Mark.status == "excused",
                Mark.makeup_until >= today,
                used.id.is_(None),
            )
            .order_by(Mark.makeup_until, Mark.id)
            .limit(limit)
        )
        if client_id is not None:
            query = query.where(Mark.client_id == client_id)
        if group_id is not None:
            query = query.where(Mark.group_id == group_id)
        return list((await self.session.execute(query)).scalars().all())

    async def seat_candidates(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        exclude_group: uuid.UUID,
        start: date,
        until: date,
        programme: str | None,
        limit: int,
    ) -> list[tuple[Lesson, Group, int]]:
        """Lessons of other visible groups in the window, with the seats each has taken."""
        enrolled = (
            select(func.count())
            .select_from(Enrolment)
            .where(
                Enrolment.group_id == Lesson.group_id,
                Enrolment.from_date <= Lesson.lesson_date,
                or_(Enrolment.until_date.is_(None), Enrolment.until_date >= Lesson.lesson_date),
            )
            .scalar_subquery()
        )
        guests = (
            select(func.count())
            .select_from(Mark)
            .where(Mark.lesson_id == Lesson.id, Mark.makeup_of.is_not(None))
            .scalar_subquery()
        )
        in_group = select(Enrolment.id).where(
            Enrolment.group_id == Lesson.group_id,
            Enrolment.client_id == client_id,
            Enrolment.from_date <= Lesson.lesson_date,
            or_(Enrolment.until_date.is_(None), Enrolment.until_date >= Lesson.lesson_date),
        )
        marked = select(Mark.id).where(Mark.lesson_id == Lesson.id, Mark.client_id == client_id)
        query = (
            select(Lesson, Group, (enrolled + guests).label("taken"))
            .join(Group, Group.id == Lesson.group_id)
            .where(
                visible_groups(principal),
                Group.archived.is_(False),
                Group.id != exclude_group,
                Lesson.cancelled.is_(False),
                Lesson.lesson_date >= start,
                Lesson.lesson_date <= until,
                ~in_group.exists(),
                ~marked.exists(),
            )
            .order_by(Lesson.lesson_date, Lesson.start_minute)
            .limit(limit)
        )
        if programme is not None:
            query = query.where(Group.programme == programme)
        rows = await self.session.execute(query)
        return [
            (lesson, group, int(taken))
            for lesson, group, taken in rows.all()
            if group.capacity is None or taken < group.capacity
        ]
