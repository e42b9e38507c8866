"""The few indexed reads one journal grid needs, as plain rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from journal_svc.models import ClientCard, Comment, Enrolment, Lesson, Mark


class GridRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lessons(self, group_id: uuid.UUID, start: date, until: date) -> Sequence[Any]:
        rows = await self.session.execute(
            select(
                Lesson.id,
                Lesson.lesson_date,
                Lesson.start_minute,
                Lesson.end_minute,
                Lesson.kind,
                Lesson.cancelled,
                Lesson.teacher_id,
                Lesson.attended_count,
            )
            .where(
                Lesson.group_id == group_id,
                Lesson.lesson_date >= start,
                Lesson.lesson_date <= until,
            )
            .order_by(Lesson.lesson_date, Lesson.start_minute, Lesson.id)
        )
        return rows.all()

    async def enrolments(self, group_id: uuid.UUID, start: date, until: date) -> Sequence[Any]:
        """Enrolments overlapping the period, each with the client's card when known."""
        rows = await self.session.execute(
            select(Enrolment.client_id, Enrolment.from_date, Enrolment.until_date, ClientCard)
            .outerjoin(
                ClientCard,
                (ClientCard.client_id == Enrolment.client_id)
                & (ClientCard.tenant_id == Enrolment.tenant_id),
            )
            .where(
                Enrolment.group_id == group_id,
                Enrolment.from_date <= until,
                or_(Enrolment.until_date.is_(None), Enrolment.until_date >= start),
                or_(Enrolment.until_date.is_(None), Enrolment.until_date >= Enrolment.from_date),
            )
        )
        return rows.all()

    async def marks(self, lesson_ids: Sequence[uuid.UUID]) -> Sequence[Any]:
        if not lesson_ids:
            return []
        rows = await self.session.execute(
            select(
                Mark.id, Mark.lesson_id, Mark.client_id, Mark.status, Mark.makeup_of, Mark.version
            ).where(Mark.lesson_id.in_(lesson_ids))
        )
        return rows.all()

    async def cards(
        self, tenant_id: uuid.UUID, client_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, ClientCard]:
        if not client_ids:
            return {}
        rows = await self.session.execute(
            select(ClientCard).where(
                ClientCard.client_id.in_(client_ids), ClientCard.tenant_id == tenant_id
            )
        )
        return {c.client_id: c for c in rows.scalars().all()}

    async def comment_counts(
        self, group_id: uuid.UUID, lesson_ids: Sequence[uuid.UUID]
    ) -> dict[tuple[uuid.UUID | None, uuid.UUID | None], int]:
        """(lesson, client) -> comments: (None, None) the group's, (lesson, None) a lesson's,
        (None, client) a client's, (lesson, client) a cell's."""
        query = (
            select(Comment.lesson_id, Comment.client_id, func.count())
            .where(Comment.group_id == group_id)
            .group_by(Comment.lesson_id, Comment.client_id)
        )
        if lesson_ids:
            query = query.where(or_(Comment.lesson_id.is_(None), Comment.lesson_id.in_(lesson_ids)))
        else:
            query = query.where(Comment.lesson_id.is_(None))
        rows = await self.session.execute(query)
        return {(lesson, client): int(n) for lesson, client, n in rows.all()}
