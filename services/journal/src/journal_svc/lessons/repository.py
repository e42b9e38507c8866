"""Queries of lessons and of what occupies rooms and teachers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from journal_svc.domain.timetable import Timed
from journal_svc.models import Lesson, Mark


class LessonsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lessons(self, group_id: uuid.UUID, start: date, until: date) -> Sequence[Lesson]:
        rows = await self.session.execute(
            select(Lesson)
            .where(
                Lesson.group_id == group_id,
                Lesson.lesson_date >= start,
                Lesson.lesson_date <= until,
            )
            .order_by(Lesson.lesson_date, Lesson.start_minute, Lesson.id)
        )
        return list(rows.scalars().all())

    async def starts(self, group_id: uuid.UUID, start: date, until: date) -> set[tuple[date, int]]:
        """(day, start minute) of the group's lessons, cancelled ones included."""
        rows = await self.session.execute(
            select(Lesson.lesson_date, Lesson.start_minute).where(
                Lesson.group_id == group_id,
                Lesson.lesson_date >= start,
                Lesson.lesson_date <= until,
            )
        )
        return {(d, m) for d, m in rows.all()}

    async def busy(
        self,
        tenant_id: uuid.UUID,
        room_ids: set[uuid.UUID],
        teacher_ids: set[uuid.UUID],
        start: date,
        until: date,
    ) -> list[Timed]:
        """Lessons (not cancelled) taking any of these rooms or teachers in the period."""
        uses = []
        if room_ids:
            uses.append(Lesson.room_id.in_(room_ids))
        if teacher_ids:
            uses.append(Lesson.teacher_id.in_(teacher_ids))
        if not uses:
            return []
        rows = await self.session.execute(
            select(
                Lesson.id,
                Lesson.lesson_date,
                Lesson.start_minute,
                Lesson.end_minute,
                Lesson.room_id,
                Lesson.teacher_id,
            ).where(
                Lesson.tenant_id == tenant_id,
                Lesson.cancelled.is_(False),
                Lesson.lesson_date >= start,
                Lesson.lesson_date <= until,
                or_(*uses),
            )
        )
        return [Timed(d, s, e, r, t, ref=i) for i, d, s, e, r, t in rows.all()]

    async def marks(self, lesson_id: uuid.UUID) -> Sequence[Mark]:
        rows = await self.session.execute(
            select(Mark).where(Mark.lesson_id == lesson_id).order_by(Mark.id)
        )
        return list(rows.scalars().all())
