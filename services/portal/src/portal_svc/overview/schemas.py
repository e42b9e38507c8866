"""The overview answer: what a client or parent looks at first."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from portal_svc.schemas_common import AsOf, ClientRef, Money, Read


class PackRead(Read):
    pack_id: uuid.UUID
    owner_client_id: uuid.UUID
    name: str
    kind: str
    classes_total: int | None
    classes_left: int | None
    starts_on: date
    ends_on: date | None
    shared: bool
    # A pack of another family member (or shared by name) that this client uses too.
    family_pack: bool


class LessonRead(Read):
    lesson_id: uuid.UUID
    group_id: uuid.UUID
    group_name: str | None
    lesson_date: date
    starts_at: str
    duration_minutes: int
    makeup: bool = False


class InvoiceBrief(Read):
    invoice_id: uuid.UUID
    description: str
    amount_minor: int
    paid_minor: int
    currency: str
    due_on: date
    period_from: date | None = Field(
        None, description="The first day a pack's invoice charges for (see /invoices)."
    )
    period_until: date | None = Field(None, description="The last day of that period.")


class MakeupCredit(Read):
    mark_id: uuid.UUID
    group_id: uuid.UUID
    group_name: str | None
    missed_on: date
    usable_until: date


class Overview(Read):
    client: ClientRef
    as_of: AsOf
    balance: Money | None
    packs: list[PackRead]
    next_lessons: list[LessonRead]
    open_invoices: list[InvoiceBrief]
    unread_messages: int
    makeup_credits: list[MakeupCredit]


class Me(Read):
    """The family switcher: whom this sign-in (or link) may look at, the linked client first."""

    linked_client_id: uuid.UUID
    clients: list[ClientRef]
    read_only: bool
