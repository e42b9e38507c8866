"""The client's records: attendance with visible comments, payments, invoices, timetable."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from crm_platform.errors import NotFoundError, ProblemError, invalid
from portal_svc.access import Scope
from portal_svc.context import Context
from portal_svc.records import schemas
from portal_svc.records.repository import RecordsRepository
from portal_svc.schemas_common import AsOf

TIMETABLE_DAYS = 28
MAX_TIMETABLE_DAYS = 92


@dataclass
class RecordsService:
    ctx: Context

    @property
    def repo(self) -> RecordsRepository:
        return RecordsRepository(self.ctx.session)

    async def _as_of(self, scope: Scope) -> AsOf:
        return AsOf(**await self.repo.as_of(scope.tenant_id))

    async def attendance(self, scope: Scope) -> schemas.Attendance:
        tenant, client_id = scope.tenant_id, scope.client_id
        marks = await self.repo.marks(tenant, client_id)
        groups = await self.repo.enrolled_groups(tenant, client_id) | {m.group_id for m, _ in marks}
        comments = await self.repo.comments(tenant, client_id, groups)
        by_lesson: dict[uuid.UUID, list[schemas.CommentRead]] = {}
        loose: list[schemas.CommentRead] = []
        marked_lessons = {m.lesson_id for m, _ in marks}
        for comment in comments:
            read = schemas.CommentRead.model_validate(comment)
            if comment.lesson_id is not None and comment.lesson_id in marked_lessons:
                by_lesson.setdefault(comment.lesson_id, []).append(read)
            else:
                loose.append(read)
        return schemas.Attendance(
            as_of=await self._as_of(scope),
            client_id=client_id,
            marks=[
                schemas.MarkRead(
                    mark_id=m.mark_id,
                    lesson_id=m.lesson_id,
                    group_id=m.group_id,
                    group_name=name,
                    lesson_date=m.lesson_date,
                    status=m.status,
                    makeup_until=m.makeup_until if m.status == "excused" else None,
                    comments=by_lesson.get(m.lesson_id, []),
                )
                for m, name in marks
            ],
            comments=loose,
        )

    async def payments(self, scope: Scope) -> schemas.Payments:
        rows = await self.repo.payments(scope.tenant_id, scope.client_id)
        return schemas.Payments(
            as_of=await self._as_of(scope),
            client_id=scope.client_id,
            items=[schemas.PaymentRead.model_validate(p) for p in rows],
        )

    async def invoices(self, scope: Scope) -> schemas.Invoices:
        rows = await self.repo.invoices(scope.tenant_id, scope.client_id)
        return schemas.Invoices(
            as_of=await self._as_of(scope),
            client_id=scope.client_id,
            items=[schemas.InvoiceRead.model_validate(i) for i in rows],
        )

    async def invoice(self, scope: Scope, invoice_id: uuid.UUID) -> schemas.PrintableInvoice:
        invoice = await self.repo.invoice(scope.tenant_id, scope.client_id, invoice_id)
        if invoice is None:
            raise NotFoundError("invoice")
        card = await self.repo.card(scope.tenant_id, scope.client_id)
        org = await self.ctx.organisation(scope.tenant_id)
        name = " ".join(p for p in (card.first_name, card.last_name) if p) if card else ""
        return schemas.PrintableInvoice(
            **schemas.InvoiceRead.model_validate(invoice).model_dump(),
            as_of=await self._as_of(scope),
            organisation_name=org.name if org else None,
            client_id=scope.client_id,
            client_name=name,
            due_minor=max(0, invoice.amount_minor - invoice.paid_minor),
        )

    async def timetable(
        self, scope: Scope, start: date | None, end: date | None
    ) -> schemas.Timetable:
        today = await self.ctx.today(scope.tenant_id)
        start = start or today
        end = end or start + timedelta(days=TIMETABLE_DAYS - 1)
        if end < start:
            raise _field("until", "must not be before from")
        if (end - start).days >= MAX_TIMETABLE_DAYS:
            raise _field("until", f"a timetable spans at most {MAX_TIMETABLE_DAYS} days")
        rows = await self.repo.lessons(scope.tenant_id, scope.client_id, start, end)
        return schemas.Timetable(
            as_of=await self._as_of(scope),
            client_id=scope.client_id,
            from_date=start,
            until_date=end,
            items=[
                schemas.TimetableLesson(
                    lesson_id=lesson.lesson_id,
                    group_id=lesson.group_id,
                    group_name=name,
                    branch_id=lesson.branch_id,
                    lesson_date=lesson.lesson_date,
                    starts_at=lesson.starts_at,
                    duration_minutes=lesson.duration_minutes,
                    cancelled=lesson.cancelled,
                )
                for lesson, name in rows
            ],
        )


def _field(name: str, message: str) -> ProblemError:
    return invalid(name, message, "query")
