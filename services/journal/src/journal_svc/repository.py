"""Queries every use case shares: scoped lookups of groups and lessons, seats taken.

Everything a staff caller reaches goes through `visible_groups`, so another organisation's or
an unseen group's rows are never loaded for them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.internal_auth import Principal
from journal_svc.access import visible_groups
from journal_svc.models import Enrolment, Group, GroupTeacher, Lesson, Mark


def active_on(day: date) -> list[ColumnElement[bool]]:
    """Conditions for an enrolment that covers a day."""
    return [
        Enrolment.from_date <= day,
        or_(Enrolment.until_date.is_(None), Enrolment.until_date >= day),
    ]


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def group(
        self, principal: Principal, group_id: uuid.UUID, *, for_update: bool = False
    ) -> Group | None:
        query = select(Group).where(Group.id == group_id, visible_groups(principal))
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def lesson(
        self, principal: Principal, lesson_id: uuid.UUID, *, for_update: bool = False
    ) -> tuple[Lesson, Group] | None:
        query = (
            select(Lesson, Group)
            .join(Group, Group.id == Lesson.group_id)
            .where(Lesson.id == lesson_id, visible_groups(principal))
        )
        if for_update:
            query = query.with_for_update(of=Lesson)
        row = (await self.session.execute(query)).first()
        return (row[0], row[1]) if row is not None else None

    async def group_any_tenant(self, group_id: uuid.UUID) -> Group | None:
        """Only for the gateway's system lookups, which need the owning tenant."""
        return await self.session.get(Group, group_id)

    async def lesson_any_tenant(self, lesson_id: uuid.UUID) -> Lesson | None:
        return await self.session.get(Lesson, lesson_id)

    async def teacher_ids(self, group_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        out: dict[uuid.UUID, list[uuid.UUID]] = {g: [] for g in group_ids}
        if not group_ids:
            return out
        rows = await self.session.execute(
            select(GroupTeacher.group_id, GroupTeacher.teacher_id)
            .where(GroupTeacher.group_id.in_(group_ids))
            .order_by(GroupTeacher.group_id, GroupTeacher.position)
        )
        for group_id, teacher_id in rows.all():
            out[group_id].append(teacher_id)
        return out

    async def enrolment_on(
        self, group_id: uuid.UUID, client_id: uuid.UUID, day: date
    ) -> Enrolment | None:
        rows = await self.session.execute(
            select(Enrolment)
            .where(
                Enrolment.group_id == group_id, Enrolment.client_id == client_id, *active_on(day)
            )
            .limit(1)
        )
        return rows.scalar_one_or_none()

    async def enrolled_count(self, group_id: uuid.UUID, day: date) -> int:
        rows = await self.session.execute(
            select(func.count())
            .select_from(Enrolment)
            .where(Enrolment.group_id == group_id, *active_on(day))
        )
        return int(rows.scalar_one())

    async def makeup_guests(self, lesson_id: uuid.UUID) -> int:
        """Seats a lesson gives to make-ups (booked ahead or attended), on top of the group's
        enrolled clients."""
        rows = await self.session.execute(
            select(func.count())
            .select_from(Mark)
            .where(Mark.lesson_id == lesson_id, Mark.makeup_of.is_not(None))
        )
        return int(rows.scalar_one())
