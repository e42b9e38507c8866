"""Events published by the billing context.

billing.balance_changed is defined here first because clients filters and shows clients by
the sign of their balance; billing publishes it whenever a client's balance moves.

Packs are published as their whole current state (pack_sold, pack_changed with the change
that happened), so the journal's "classes left" and the portal's pack list keep their copy by
replacing it. Every change of a pack that concerns two clients (a transfer of classes) is one
pack_changed per pack, each naming the other client.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from crm_contracts.money import CurrencyCode
from crm_contracts.registry import EventPayload, registry

ServiceKind = Literal["one_time", "subscription", "pack"]
PaymentMode = Literal["paid", "credit", "none"]
PackChange = Literal[
    "extended",
    "validity_edited",
    "bonus_added",
    "frozen",
    "unfrozen",
    "restored",
    "refunded",
    "transferred_out",
    "transferred_in",
    "cancelled",
    "class_used",
    "class_returned",
    "expired",
]
DueKind = Literal["prepaid", "postpaid", "credit", "invoice"]


@registry.register("billing.balance_changed", 1)
class BalanceChanged(EventPayload):
    """The client's whole balance now, in minor units (negative: the client owes).

    `sequence` counts the changes of this client's balance: billing's database raises it in
    the statement that moves the balance, so a higher one is always the newer balance,
    whatever the events' times say (two writes may be stamped in one order and commit in
    the other). Readers keep the event with the highest; None only in events written
    before it existed (then the newest time wins).
    """

    client_id: uuid.UUID
    balance_minor: int
    currency: CurrencyCode
    sequence: int | None = None


def balance_is_newer(
    known_sequence: int | None,
    known_at: datetime | None,
    sequence: int | None,
    at: datetime,
) -> bool:
    """Whether a balance_changed (`sequence`, its time `at`) replaces the copy a reader
    keeps: by sequence when both have one, else by time (a tie goes to the incoming one)."""
    if known_sequence is not None and sequence is not None:
        return sequence > known_sequence
    return known_at is None or at >= known_at


class PackState(EventPayload):
    pack_id: uuid.UUID
    client_id: uuid.UUID
    service_id: uuid.UUID | None = None
    name: str
    kind: ServiceKind
    classes_total: int | None = None  # None: unlimited
    classes_left: int | None = None
    starts_on: date
    ends_on: date | None = None
    status: Literal["active", "cancelled", "refunded", "expired"]
    shared: bool = False
    members: list[uuid.UUID] = []


@registry.register("billing.pack_sold", 1)
class PackSold(PackState):
    price_minor: int
    currency: CurrencyCode
    payment_mode: PaymentMode
    entry_id: uuid.UUID | None = None


@registry.register("billing.pack_changed", 1)
class PackChanged(PackState):
    change: PackChange
    entry_id: uuid.UUID | None = None
    # A transfer names the other client; a class used or returned names the journal mark.
    other_client_id: uuid.UUID | None = None
    mark_id: uuid.UUID | None = None
    classes_delta: int = 0


class AllocationData(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    target: Literal["pack", "invoice", "service"]
    target_id: uuid.UUID
    amount_minor: int


@registry.register("billing.payment_recorded", 1)
class PaymentRecorded(EventPayload):
    entry_id: uuid.UUID
    client_id: uuid.UUID
    amount_minor: int
    currency: CurrencyCode
    method: Literal["cash", "card", "transfer"]
    paid_on: date
    comment: str | None = None
    allocations: list[AllocationData] = []


@registry.register("billing.entry_cancelled", 1)
class EntryCancelled(EventPayload):
    """An entry was cancelled by a reversing entry; it stays, shown as cancelled."""

    entry_id: uuid.UUID
    reversal_entry_id: uuid.UUID
    client_id: uuid.UUID | None = None
    kind: str
    amount_minor: int
    currency: CurrencyCode
    reason: str | None = None


@registry.register("billing.visit_charged", 1)
class VisitCharged(EventPayload):
    """A visit no pack covered, charged at the one-time price (it shows as debt)."""

    entry_id: uuid.UUID
    client_id: uuid.UUID
    mark_id: uuid.UUID | None = None
    lesson_id: uuid.UUID | None = None
    group_id: uuid.UUID | None = None
    lesson_date: date
    amount_minor: int
    currency: CurrencyCode


class InvoiceState(EventPayload):
    """`period_from`/`period_until`: the days a pack's invoice charges for (the pack's or a
    renewal's period; until is absent for a pack without an end); the description then
    holds the pack's name only, and a reader shows the period in its own language."""

    invoice_id: uuid.UUID
    client_id: uuid.UUID
    pack_id: uuid.UUID | None = None
    description: str
    amount_minor: int
    paid_minor: int
    currency: CurrencyCode
    due_on: date
    status: Literal["open", "paid", "void"]
    period_from: date | None = None
    period_until: date | None = None


@registry.register("billing.invoice_issued", 1)
class InvoiceIssued(InvoiceState):
    pass


@registry.register("billing.invoice_changed", 1)
class InvoiceChanged(InvoiceState):
    pass


class DueReminder(EventPayload):
    """Sent once per due item (never twice, whatever restarts or how many billing processes
    run), and not while the client or the pack is frozen."""

    due_item_id: uuid.UUID
    client_id: uuid.UUID
    kind: DueKind
    pack_id: uuid.UUID | None = None
    invoice_id: uuid.UUID | None = None
    due_on: date
    amount_minor: int
    currency: CurrencyCode
    balance_minor: int


@registry.register("billing.payment_due_soon", 1)
class PaymentDueSoon(DueReminder):
    pass


@registry.register("billing.payment_overdue", 1)
class PaymentOverdue(DueReminder):
    pass


class PackReminder(EventPayload):
    """Sent once per pack and condition (never twice, whatever restarts or how many billing
    processes run), and not while the client or the pack is frozen."""

    pack_id: uuid.UUID
    client_id: uuid.UUID
    name: str
    ends_on: date | None = None
    classes_total: int | None = None
    classes_left: int | None = None


@registry.register("billing.pack_expiring", 1)
class PackExpiring(PackReminder):
    """The pack's validity ends within the organisation's reminder lead time."""


@registry.register("billing.pack_running_low", 1)
class PackRunningLow(PackReminder):
    """Few classes are left on the pack."""


@registry.register("billing.subscription_renewed", 1)
class SubscriptionRenewed(EventPayload):
    """A subscription started its next period by itself (once per pack and period). The
    period's charge is `entry_id`, its invoice (due on `due_on`: the period's start when
    prepaid, its end when postpaid) is `invoice_id`; classes left from the period that ended
    burnt (`classes_expired`) or carried over, as the pack says. billing.pack_changed
    (change "extended") carries the pack's new state."""

    pack_id: uuid.UUID
    client_id: uuid.UUID
    name: str
    period_starts_on: date
    period_ends_on: date
    billing: Literal["prepaid", "postpaid"] | None = None
    amount_minor: int
    currency: CurrencyCode
    entry_id: uuid.UUID | None = None
    invoice_id: uuid.UUID | None = None
    due_on: date | None = None
    classes_issued: int = 0
    classes_expired: int = 0
