"""Attendance, payments, invoices and the timetable, as the client sees them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import Field

from crm_platform.pagination import WholeList
from portal_svc.schemas_common import AsOf, Read


class CommentRead(Read):
    comment_id: uuid.UUID
    target: str
    group_id: uuid.UUID
    lesson_id: uuid.UUID | None
    body: str
    created_at: datetime


class MarkRead(Read):
    mark_id: uuid.UUID
    lesson_id: uuid.UUID
    group_id: uuid.UUID
    group_name: str | None
    lesson_date: date
    # planned, attended, absent, excused, makeup_attended
    status: str
    makeup_until: date | None
    comments: list[CommentRead]


class Attendance(Read):
    as_of: AsOf
    client_id: uuid.UUID
    marks: list[MarkRead]
    # Comments about the client or their groups that belong to no marked lesson.
    comments: list[CommentRead]


class PaymentRead(Read):
    entry_id: uuid.UUID
    amount_minor: int
    currency: str
    method: str
    paid_on: date
    comment: str | None
    cancelled: bool


class Payments(Read, WholeList):
    as_of: AsOf
    client_id: uuid.UUID
    items: list[PaymentRead]


class InvoiceRead(Read):
    invoice_id: uuid.UUID
    pack_id: uuid.UUID | None
    description: str
    period_from: date | None = Field(
        None,
        description="The first day a pack's invoice charges for; the description then holds "
        "the pack's name only. None on an invoice written by hand, or one issued before "
        "billing kept periods.",
    )
    period_until: date | None = Field(
        None, description="The last day of that period; none when the pack has no end."
    )
    amount_minor: int
    paid_minor: int
    currency: str
    due_on: date
    status: str
    issued_at: datetime


class Invoices(Read, WholeList):
    as_of: AsOf
    client_id: uuid.UUID
    items: list[InvoiceRead]


class PrintableInvoice(InvoiceRead):
    """Everything a printed invoice shows."""

    as_of: AsOf
    organisation_name: str | None
    client_id: uuid.UUID
    client_name: str
    due_minor: int


class TimetableLesson(Read):
    lesson_id: uuid.UUID
    group_id: uuid.UUID
    group_name: str | None
    branch_id: uuid.UUID
    lesson_date: date
    starts_at: str
    duration_minutes: int
    cancelled: bool


class Timetable(Read, WholeList):
    """The client's lessons in a period, whole; `from_date`/`until_date` say which period (a
    caller may leave either out), `client_id` whose and `as_of` how fresh."""

    as_of: AsOf
    client_id: uuid.UUID
    from_date: date
    until_date: date
    items: list[TimetableLesson]
