"""Selling packs and subscriptions, and a pack's life."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal, Self

from pydantic import Field, model_validator

from billing_svc.catalogue.schemas import Period
from billing_svc.schemas_common import (
    Classes,
    Comment,
    IdList,
    MinorUnits,
    PositiveMinor,
    Read,
    Strict,
)
from crm_platform.fields import BusinessDate

PaymentMode = Literal["paid", "credit", "none"]
Method = Literal["cash", "card", "transfer"]


class Payment(Strict):
    """How a sale or a renewal is paid: paid now, on credit (the client owes until the due
    date), or without payment (no money entries: for loading existing data)."""

    payment_mode: PaymentMode
    method: Method | None = None  # paid only
    paid_on: BusinessDate | None = None
    due_on: BusinessDate | None = None  # credit only; default: the rule of the kind

    @model_validator(mode="after")
    def _mode(self) -> Self:
        if self.payment_mode == "paid" and self.method is None:
            raise ValueError("method: a paid sale names how it was paid")
        if self.payment_mode != "paid" and (self.method or self.paid_on):
            raise ValueError("method: only a paid sale has a method and a date")
        if self.payment_mode != "credit" and self.due_on is not None:
            raise ValueError("due_on: only a sale on credit has a due date")
        return self


class PackSell(Payment):
    service_id: uuid.UUID
    starts_on: BusinessDate | None = None  # default: today
    # Freestyle templates only: changed at sale.
    price_minor: MinorUnits | None = None
    classes: Classes | None = None
    period: Period | None = None
    # Shared packs: the other clients who may use it (e.g. a family).
    members: IdList = Field(default_factory=list)
    branch_id: uuid.UUID | None = None
    group_id: uuid.UUID | None = None
    # Subscriptions only: start the next period by itself when this one ends.
    auto_renew: bool = True
    comment: Comment | None = None


class PackExtend(Payment):
    """Renew for another period (or `period`); leftovers burn or carry as the pack says."""

    price_minor: MinorUnits | None = None
    classes: Classes | None = None
    period: Period | None = None
    comment: Comment | None = None


class PackEdit(Strict):
    """Validity (illness and the like) and, for a subscription, whether it renews by itself."""

    starts_on: BusinessDate | None = None
    ends_on: BusinessDate | None = None
    auto_renew: bool | None = None
    comment: Comment | None = None


class BonusIn(Strict):
    classes: Classes
    comment: Comment | None = None


class FreezeIn(Strict):
    from_date: BusinessDate
    until_date: BusinessDate
    comment: Comment | None = None


class UnfreezeIn(Strict):
    last_frozen_day: BusinessDate | None = None  # default: yesterday


class RestoreIn(Strict):
    ends_on: BusinessDate
    comment: Comment | None = None


class RefundIn(Strict):
    amount_minor: MinorUnits | None = None  # default: the unused part of the price
    pay_out_method: Method | None = None  # None: left on the client's balance
    comment: Comment | None = None


class TransferIn(Strict):
    to_client_id: uuid.UUID
    classes: Classes
    comment: Comment | None = None


class VirtualVisitIn(Strict):
    classes: Classes = 1
    lesson_date: BusinessDate | None = None
    comment: Comment | None = None


class FreezeRead(Read):
    from_date: date
    until_date: date
    source: str


class PackRead(Read):
    id: uuid.UUID
    client_id: uuid.UUID
    service_id: uuid.UUID | None
    kind: str
    name: str
    price_minor: int
    currency: str
    classes_total: int | None
    classes_left: int | None
    unlimited: bool
    starts_on: date
    ends_on: date | None
    active: bool
    billing: str | None
    payment_mode: str
    overlapping: bool
    shared: bool
    leftover: str
    auto_renew: bool
    members: list[uuid.UUID]
    group_ids: list[uuid.UUID]
    branch_ids: list[uuid.UUID]
    group_id: uuid.UUID | None = Field(
        None,
        description="The group it was sold for: chosen at sale, else the service's only group "
        "(its sale counts there in the figures by group). `group_ids`: where it may be used.",
    )
    programmes: list[str]
    status: str
    paid_minor: int
    freezes: list[FreezeRead]
    sale_entry_id: uuid.UUID | None
    version: int
    created_at: datetime


class UsageRead(Read):
    id: uuid.UUID
    client_id: uuid.UUID
    mark_id: uuid.UUID | None
    lesson_id: uuid.UUID | None
    group_id: uuid.UUID | None
    lesson_date: date
    classes: int
    source: str
    returned: bool
    comment: str | None


class HistoryRead(Read):
    kind: str
    detail: dict[str, Any]
    entry_id: uuid.UUID | None
    by: str
    at: datetime


class PackHistory(Read):
    pack: PackRead
    usages: list[UsageRead]
    history: list[HistoryRead]


class PositiveAmount(Strict):
    amount_minor: PositiveMinor
