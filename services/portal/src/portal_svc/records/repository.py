"""Queries of the client's records, each scoped by the organisation and one client."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import and_, or_, select

from portal_svc.models import Comment, Enrolment, Group, Invoice, Lesson, Mark, Payment
from portal_svc.repository import Shared

HISTORY_LIMIT = 500


class RecordsRepository(Shared):
    async def marks(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, limit: int = HISTORY_LIMIT
    ) -> list[tuple[Mark, str | None]]:
        rows = await self.session.execute(
            select(Mark, Group.name)
            .outerjoin(Group, Group.group_id == Mark.group_id)
            .where(
                Mark.tenant_id == tenant_id, Mark.client_id == client_id, Mark.removed.is_(False)
            )
            .order_by(Mark.lesson_date.desc(), Mark.mark_id)
            .limit(limit)
        )
        return [(m, n) for m, n in rows]

    async def comments(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, group_ids: set[uuid.UUID]
    ) -> list[Comment]:
        """Visible comments about the client, and those for the whole of one of its groups."""
        rows = await self.session.scalars(
            select(Comment)
            .where(
                Comment.tenant_id == tenant_id,
                Comment.visible.is_(True),
                or_(
                    and_(Comment.target.in_(("client", "cell")), Comment.client_id == client_id),
                    and_(Comment.target.in_(("lesson", "group")), Comment.group_id.in_(group_ids)),
                ),
            )
            .order_by(Comment.created_at.desc())
            .limit(HISTORY_LIMIT)
        )
        return list(rows)

    async def enrolled_groups(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> set[uuid.UUID]:
        rows = await self.session.scalars(
            select(Enrolment.group_id).where(
                Enrolment.tenant_id == tenant_id, Enrolment.client_id == client_id
            )
        )
        return set(rows)

    async def payments(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> list[Payment]:
        rows = await self.session.scalars(
            select(Payment)
            .where(
                Payment.tenant_id == tenant_id,
                Payment.client_id == client_id,
                Payment.recorded.is_(True),
            )
            .order_by(Payment.paid_on.desc(), Payment.entry_id.desc())
            .limit(HISTORY_LIMIT)
        )
        return list(rows)

    async def invoices(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> list[Invoice]:
        rows = await self.session.scalars(
            select(Invoice)
            .where(Invoice.tenant_id == tenant_id, Invoice.client_id == client_id)
            .order_by(Invoice.due_on.desc(), Invoice.invoice_id)
            .limit(HISTORY_LIMIT)
        )
        return list(rows)

    async def invoice(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, invoice_id: uuid.UUID
    ) -> Invoice | None:
        invoice = await self.session.get(Invoice, invoice_id)
        if invoice is None or invoice.tenant_id != tenant_id or invoice.client_id != client_id:
            return None
        return invoice

    async def lessons(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, start: date, end: date
    ) -> list[tuple[Lesson, str | None]]:
        """The lessons of the client's groups between two dates, inside its enrolments."""
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
                Lesson.lesson_date >= start,
                Lesson.lesson_date <= end,
            )
            .order_by(Lesson.lesson_date, Lesson.starts_at)
            .distinct()
        )
        return [(lesson, name) for lesson, name in rows]
