"""The overview's queries, each scoped by the organisation and the one client asked about."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from portal_svc.models import Enrolment, Group, Invoice, Lesson, Mark, Pack, PackMember
from portal_svc.repository import Shared

NEXT_LESSONS = 5


class OverviewRepository(Shared):
    async def active_packs(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, family: list[uuid.UUID], today: date
    ) -> list[Pack]:
        """The client's own packs, packs shared with it by name, and its family's shared packs,
        while active and valid."""
        named = select(PackMember.pack_id).where(
            PackMember.tenant_id == tenant_id, PackMember.client_id == client_id
        )
        rows = await self.session.scalars(
            select(Pack)
            .where(
                Pack.tenant_id == tenant_id,
                Pack.status == "active",
                or_(Pack.ends_on.is_(None), Pack.ends_on >= today),
                or_(
                    Pack.client_id == client_id,
                    Pack.pack_id.in_(named),
                    and_(Pack.shared, Pack.client_id.in_(family)),
                ),
            )
            .order_by(Pack.ends_on.nulls_last(), Pack.pack_id)
        )
        return list(rows)

    async def next_lessons(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, today: date, limit: int = NEXT_LESSONS
    ) -> list[tuple[Lesson, str | None]]:
        """Lessons of the client's groups from today on, inside its enrolments."""
        rows = await self.session.execute(
            select(Lesson, Group.name)
            .join(
                Enrolment,
                and_(
                    Enrolment.group_id == Lesson.group_id,
                    Enrolment.tenant_id == tenant_id,
                    Enrolment.client_id == client_id,
                    or_(Enrolment.from_date.is_(None), Enrolment.from_date <= Lesson.lesson_date),
                    or_(Enrolment.until_date.is_(None), Enrolment.until_date >= Lesson.lesson_date),
                ),
            )
            .outerjoin(Group, Group.group_id == Lesson.group_id)
            .where(
                Lesson.tenant_id == tenant_id,
                Lesson.lesson_date >= today,
                Lesson.cancelled.is_(False),
            )
            .order_by(Lesson.lesson_date, Lesson.starts_at)
            .distinct()
            .limit(limit)
        )
        return [(lesson, name) for lesson, name in rows]

    async def planned_makeups(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, today: date
    ) -> list[tuple[Lesson, str | None]]:
        """Make-ups the journal has booked ahead (a planned mark making up an absence)."""
        rows = await self.session.execute(
            select(Lesson, Group.name)
            .join(Mark, Mark.lesson_id == Lesson.lesson_id)
            .outerjoin(Group, Group.group_id == Lesson.group_id)
            .where(
                Mark.tenant_id == tenant_id,
                Mark.client_id == client_id,
                Mark.makeup_of.is_not(None),
                Mark.status == "planned",
                Mark.removed.is_(False),
                Lesson.lesson_date >= today,
                Lesson.cancelled.is_(False),
            )
        )
        return [(lesson, name) for lesson, name in rows]

    async def open_invoices(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> list[Invoice]:
        rows = await self.session.scalars(
            select(Invoice)
            .where(
                Invoice.tenant_id == tenant_id,
                Invoice.client_id == client_id,
                Invoice.status == "open",
            )
            .order_by(Invoice.due_on, Invoice.invoice_id)
        )
        return list(rows)

    async def makeup_credits(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, today: date
    ) -> list[tuple[Mark, str | None]]:
        """Excused absences whose make-up window is open and that no make-up uses yet."""
        used = aliased(Mark)
        rows = await self.session.execute(
            select(Mark, Group.name)
            .outerjoin(Group, Group.group_id == Mark.group_id)
            .where(
                Mark.tenant_id == tenant_id,
                Mark.client_id == client_id,
                Mark.status == "excused",
                Mark.removed.is_(False),
                Mark.makeup_until >= today,
                ~exists().where(
                    used.makeup_of == Mark.mark_id,
                    used.removed.is_(False),
                    used.status.in_(("planned", "makeup_attended")),
                ),
            )
            .order_by(Mark.makeup_until, Mark.mark_id)
        )
        return [(mark, name) for mark, name in rows]
