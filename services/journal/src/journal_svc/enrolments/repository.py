"""Queries of enrolments and waitlist entries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.db import insert_once
from crm_platform.pagination import keyset
from journal_svc.models import Enrolment, Group, Mark, SeatRelease, WaitlistEntry
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

    async def ended_unseen(self, on_or_before: date, limit: int) -> Sequence[tuple[Any, ...]]:
        """(enrolment id, group id, until date) of enrolments ended by a day that the seat job
        has not seen, in groups with a capacity, not archived, with someone waiting. A system
        job's scan across organisations: each result is then handled within its own group."""
        waiting = exists().where(
            WaitlistEntry.group_id == Enrolment.group_id, WaitlistEntry.status == "waiting"
        )
        seen = exists().where(SeatRelease.enrolment_id == Enrolment.id)
        rows = await self.session.execute(
            select(Enrolment.id, Enrolment.group_id, Enrolment.until_date)
            .join(
                Group, (Group.id == Enrolment.group_id) & (Group.tenant_id == Enrolment.tenant_id)
            )
            .where(
                Enrolment.until_date.is_not(None),
                Enrolment.until_date <= on_or_before,
                Group.capacity.is_not(None),
                Group.archived.is_(False),
                waiting,
                ~seen,
            )
            .order_by(Enrolment.until_date, Enrolment.id)
            .limit(limit)
        )
        return [tuple(r) for r in rows.all()]

    async def enrolment_by_id(self, enrolment_id: uuid.UUID) -> Enrolment | None:
        return await self.session.get(Enrolment, enrolment_id)

    async def group_for_update(self, group_id: uuid.UUID) -> Group | None:
        rows = await self.session.execute(
            select(Group).where(Group.id == group_id).with_for_update()
        )
        return rows.scalar_one_or_none()

    async def claim_release(
        self,
        enrolment: Enrolment,
        released_on: date,
        now: datetime,
    ) -> SeatRelease | None:
        """Inserts the guard row; None when another transaction (or an earlier run) has it."""
        if not await insert_once(
            self.session,
            SeatRelease,
            enrolment_id=enrolment.id,
            tenant_id=enrolment.tenant_id,
            group_id=enrolment.group_id,
            released_on=released_on,
            offered=0,
            processed_at=now,
        ):
            return None
        return await self.session.get(SeatRelease, enrolment.id)
