"""Ledger, payments and balances."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal, Self

from pydantic import Field, model_validator

from billing_svc.schemas_common import Comment, PositiveMinor, Read, Strict
from crm_platform.fields import BusinessDate

Method = Literal["cash", "card", "transfer"]


class AllocationIn(Strict):
    """Exactly one of pack_id, invoice_id, service_id."""

    pack_id: uuid.UUID | None = None
    invoice_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    amount_minor: PositiveMinor

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if sum(x is not None for x in (self.pack_id, self.invoice_id, self.service_id)) != 1:
            raise ValueError("name exactly one of pack_id, invoice_id, service_id")
        return self


class PaymentCreate(Strict):
    amount_minor: PositiveMinor
    method: Method
    paid_on: BusinessDate | None = None  # default: today in the organisation's time zone
    comment: Comment | None = None
    allocations: list[AllocationIn] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _allocations_fit(self) -> Self:
        if sum(a.amount_minor for a in self.allocations) > self.amount_minor:
            raise ValueError("allocations: more allocated than paid")
        return self


class CancelIn(Strict):
    reason: Comment | None = None


class AllocationRead(Read):
    target: Literal["pack", "invoice", "service"]
    target_id: uuid.UUID
    amount_minor: int


class EntryRead(Read):
    id: uuid.UUID
    kind: str
    client_id: uuid.UUID | None
    other_client_id: uuid.UUID | None
    pack_id: uuid.UUID | None
    service_id: uuid.UUID | None
    method: str | None
    amount_minor: int
    classes: int
    currency: str
    booked_on: date
    comment: str | None
    reverses_id: uuid.UUID | None
    cancelled: bool
    cancelled_by: uuid.UUID | None
    created_by: str
    created_at: datetime
    allocations: list[AllocationRead] = Field(default_factory=list)


class BalanceRead(Read):
    client_id: uuid.UUID
    balance_minor: int
    currency: str
