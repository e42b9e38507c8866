"""Queries of enrolments and waitlist entries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.pagination import keyset
from journal_svc.models import Enrolment, Mark, WaitlistEntry
from journal_svc.repository import active_on


class EnrolmentsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enrolments(
        self, group_id: uuid.UUID, on: date | None, cursor: str | None, limit: int
    ) -> Sequence[Enrolment]:
        query = select(Enrolment).where(Enrolment.group_id == group_id)
        if on is not None:
            query = query.where(*active_on(on))
        rows = await self.session.execute(keyset(query, Enrolment.id, cursor, limit))
        return list(rows.scalars().all())

    async def enrolment(
        self, group_id: uuid.UUID, enrolment_id: uuid.UUID, *, for_update: bool = False
    ) -> Enrolment | None:
        query = select(Enrolment).where(
            Enrolment.id == enrolment_id, Enrolment.group_id == group_id
        )
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def overlapping(
        self, group_id: uuid.UUID, client_id: uuid.UUID, start: date, until: date | None
    ) -> Enrolment | None:
        query = select(Enrolment).where(
            Enrolment.group_id == group_id,
            Enrolment.client_id == client_id,
            or_(Enrolment.until_date.is_(None), Enrolment.until_date >= start),
            Enrolment.until_date.is_(None) | (Enrolment.from_date <= Enrolment.until_date),
        )
        if until is not None:
            query = query.where(Enrolment.from_date <= until)
        return (await self.session.execute(query.limit(1))).scalar_one_or_none()

    async def seat_holders(self, group_id: uuid.UUID, from_day: date) -> int:
        rows = await self.session.execute(
            select(func.count())
            .select_from(Enrolment)
            .where(
                Enrolment.group_id == group_id,
                or_(Enrolment.until_date.is_(None), Enrolment.until_date >= from_day),
                Enrolment.until_date.is_(None) | (Enrolment.from_date <= Enrolment.until_date),
            )
        )
        return int(rows.scalar_one())

    async def marks_after(self, group_id: uuid.UUID, client_id: uuid.UUID, day: date) -> list[date]:
        rows = await self.session.execute(
            select(Mark.lesson_date)
            .where(Mark.group_id == group_id, Mark.client_id == client_id, Mark.lesson_date > day)
            .order_by(Mark.lesson_date)
        )
        return list(rows.scalars().all())

    # waitlist
    async def waitlist(self, group_id: uuid.UUID) -> Sequence[WaitlistEntry]:
        rows = await self.session.execute(
            select(WaitlistEntry)
            .where(
                WaitlistEntry.group_id == group_id,
                WaitlistEntry.status.in_(("waiting", "offered")),
            )
            .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
        )
        return list(rows.scalars().all())

    async def entry(self, group_id: uuid.UUID, entry_id: uuid.UUID) -> WaitlistEntry | None:
        entry = await self.session.get(WaitlistEntry, entry_id)
        return entry if entry is not None and entry.group_id == group_id else None

    async def open_entry(self, group_id: uuid.UUID, client_id: uuid.UUID) -> WaitlistEntry | None:
        rows = await self.session.execute(
            select(WaitlistEntry).where(
                WaitlistEntry.group_id == group_id,
                WaitlistEntry.client_id == client_id,
                WaitlistEntry.status.in_(("waiting", "offered")),
            )
        )
        return rows.scalars().first()

    async def offered_count(self, group_id: uuid.UUID) -> int:
        rows = await self.session.execute(
            select(func.count())
            .select_from(WaitlistEntry)
            .where(WaitlistEntry.group_id == group_id, WaitlistEntry.status == "offered")
        )
        return int(rows.scalar_one())

    async def next_waiting(self, group_id: uuid.UUID, count: int | None) -> Sequence[WaitlistEntry]:
        query = (
            select(WaitlistEntry)
            .where(WaitlistEntry.group_id == group_id, WaitlistEntry.status == "waiting")
            .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
        )
        if count is not None:
            query = query.limit(count)
        return list((await self.session.execute(query)).scalars().all())
