"""Invoices: a request for payment of a pack or a period, with a due date."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from billing_svc.schemas_common import PositiveMinor, Read, Strict
from crm_platform.fields import BusinessDate, OneLine


class InvoiceCreate(Strict):
    amount_minor: PositiveMinor
    due_on: BusinessDate
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), OneLine
    ]
    pack_id: uuid.UUID | None = None


class InvoiceRead(Read):
    id: uuid.UUID
    client_id: uuid.UUID
    pack_id: uuid.UUID | None
    description: str
    period_from: date | None = Field(
        None,
        description="The first day a pack's invoice charges for (the pack's or a renewal's "
        "period); the description then holds the pack's name only. None on an invoice "
        "written by hand.",
    )
    period_until: date | None = Field(
        None,
        description="The last day of that period; none when the pack has no end.",
    )
    amount_minor: int
    paid_minor: int
    currency: str
    due_on: date
    # overdue: open and past its due date (a status shown, not stored)
    status: Literal["open", "paid", "overdue", "void"]
    version: int
    created_at: datetime
