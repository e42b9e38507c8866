"""Tables of the billing context only.

The ledger (entries, postings, reversals, payment allocations) is append-only: the
migration puts triggers on it that refuse UPDATE and DELETE, and revokes those privileges.
Cached figures (client balances, classes left on a pack, monthly totals) are written in the
same transaction as the postings they summarise.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    Uuid,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_messaging.tables import MessagingTables
from crm_platform.db import OptimisticVersions, UtcDateTime, new_metadata
from crm_platform.idempotency import idempotency_table

TZ = UtcDateTime()
BIG = BigInteger().with_variant(Integer, "sqlite")


class Base(OptimisticVersions, DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


# --- read models fed by other contexts' events ----------------------------------------------


class Organisation(Base):
    """Identity's organisation as billing needs it, plus billing's own settings."""

    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    time_zone: Mapped[str] = mapped_column(String(64))
    absence_uses_class: Mapped[bool] = mapped_column(Boolean, default=False)
    due_soon_days: Mapped[int] = mapped_column(Integer, default=3)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Client(Base):
    __tablename__ = "clients"
    __table_args__ = (Index("ix_clients_family", "tenant_id", "family_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    first_name: Mapped[str] = mapped_column(String(200), default="")
    last_name: Mapped[str] = mapped_column(String(200), default="")
    branch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    family_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The time of the newest clients event that set family_id: an older one leaves it be.
    family_at: Mapped[datetime | None] = mapped_column(TZ)
    status: Mapped[str] = mapped_column(String(16), default="active")
    frozen_from: Mapped[date | None] = mapped_column(Date)
    frozen_until: Mapped[date | None] = mapped_column(Date)


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    branch_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    programme: Mapped[str | None] = mapped_column(String(200))
    teacher_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Lesson(Base):
    __tablename__ = "lessons"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    group_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    teacher_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


# --- catalogue -------------------------------------------------------------------------------


class Service(Base):
    """A catalogue item: one-time, subscription, or pack (a pack template)."""

    __tablename__ = "services"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # one_time, subscription, pack
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    price_minor: Mapped[int] = mapped_column(BIG)
    classes: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    period_unit: Mapped[str | None] = mapped_column(String(8))  # day, week, month
    period_count: Mapped[int | None] = mapped_column(Integer)
    billing: Mapped[str | None] = mapped_column(String(8))  # prepaid, postpaid
    freestyle: Mapped[bool] = mapped_column(Boolean, default=False)
    overlapping: Mapped[bool] = mapped_column(Boolean, default=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    leftover: Mapped[str] = mapped_column(String(8), default="burn")  # burn, carry
    group_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    branch_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    programmes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    items: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{service_id, quantity}]
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZ)


# --- packs (anything sold to a client) ------------------------------------------------------


class Pack(Base):
    __tablename__ = "packs"
    __table_args__ = (
        CheckConstraint("classes_left IS NULL OR classes_left >= 0", name="classes_left"),
        Index("ix_packs_tenant_client", "tenant_id", "client_id"),
        Index("ix_packs_tenant_ends_on", "tenant_id", "ends_on"),
        # The period-end job's walk: active packs by end date.
        Index(
            "ix_packs_active_ends_on",
            "ends_on",
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    service_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    price_minor: Mapped[int] = mapped_column(BIG)
    classes_total: Mapped[int | None] = mapped_column(Integer)
    classes_left: Mapped[int | None] = mapped_column(Integer)
    # Classes each period (or extension) brings; None: unlimited.
    period_classes: Mapped[int | None] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    period_unit: Mapped[str | None] = mapped_column(String(8))
    period_count: Mapped[int | None] = mapped_column(Integer)
    billing: Mapped[str | None] = mapped_column(String(8))
    payment_mode: Mapped[str] = mapped_column(String(8))  # paid, credit, none
    overlapping: Mapped[bool] = mapped_column(Boolean, default=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    leftover: Mapped[str] = mapped_column(String(8), default="burn")
    # A subscription starts its next period by itself when this one ends.
    auto_renew: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    group_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    branch_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    programmes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    members: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active, cancelled,
    # refunded, expired
    branch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    group_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    sale_entry_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    transferred_from: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZ)


class PackFreeze(Base):
    __tablename__ = "pack_freezes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    pack_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("packs.id"), index=True)
    from_date: Mapped[date] = mapped_column(Date)
    until_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))  # manual, client
    created_at: Mapped[datetime] = mapped_column(TZ)


class PeriodEnd(Base):
    """What happened when a pack's validity ended on `ends_on`: the subscription renewed, or
    the pack expired and its leftover burnt. The primary key makes it once per pack and end,
    whatever runs; the expire entry is what a restore gives back."""

    __tablename__ = "pack_period_ends"
    __table_args__ = (PrimaryKeyConstraint("pack_id", "ends_on", name="pk_pack_period_ends"),)

    pack_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("packs.id"))
    ends_on: Mapped[date] = mapped_column(Date)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    outcome: Mapped[str] = mapped_column(String(8))  # renewed, expired
    next_ends_on: Mapped[date | None] = mapped_column(Date)  # renewed: the new period's end
    classes_expired: Mapped[int] = mapped_column(Integer, default=0)
    expire_entry_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    charge_entry_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    closed_at: Mapped[datetime] = mapped_column(TZ)


class PackEvent(Base):
    """A pack's history: every change, with the ledger entry that carried it (if any)."""

    __tablename__ = "pack_events"
    __table_args__ = (Index("ix_pack_events_pack", "pack_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    pack_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    entry_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(TZ)


class Usage(Base):
    """One visit's use of classes (or its charge at the one-time price when no pack fitted)."""

    __tablename__ = "usages"
    __table_args__ = (Index("ix_usages_pack", "pack_id", "lesson_date"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    pack_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    mark_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    lesson_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    group_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    lesson_date: Mapped[date] = mapped_column(Date)
    classes: Mapped[int] = mapped_column(Integer)
    charged_minor: Mapped[int] = mapped_column(BIG, default=0)
    source: Mapped[str] = mapped_column(String(16))  # journal, virtual
    entry_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    returned_entry_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZ)


class MarkState(Base):
    """The latest journal mark billing applied, so that late or repeated events change
    nothing: an event older than the state is ignored."""

    __tablename__ = "mark_states"

    mark_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str | None] = mapped_column(String(20))  # None: removed
    event_time: Mapped[datetime] = mapped_column(TZ)
    usage_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


# --- the ledger (append-only) ---------------------------------------------------------------


# The predicate of ix_ledger_entries_late: booked more than LATE_AFTER_DAYS (one) before the
# UTC day it was written (domain/month_ends.py).
LATE_ENTRY = {
    "postgresql": "booked_on < CAST(timezone('UTC', created_at) AS DATE) - 1",
    "sqlite": "booked_on < date(created_at, '-1 day')",
}


class Entry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_client", "tenant_id", "client_id", "id"),
        Index("ix_ledger_entries_booked", "tenant_id", "kind", "booked_on"),
        # Entries booked more than a day before the (UTC) day they were written: the only
        # ones that can land in a month after its debt was taken (reports/debts.py). An
        # entry booked on the day it is written never enters this index.
        Index(
            "ix_ledger_entries_late",
            "tenant_id",
            "created_at",
            postgresql_where=text(LATE_ENTRY["postgresql"]),
            sqlite_where=text(LATE_ENTRY["sqlite"]),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # sale, payment, visit, use, return, bonus, refund, transfer, expire, reversal
    kind: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    other_client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    pack_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    service_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    branch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    group_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    teacher_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    method: Mapped[str | None] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(BIG, default=0)  # headline amount, for lists
    classes: Mapped[int] = mapped_column(Integer, default=0)
    booked_on: Mapped[date] = mapped_column(Date)
    comment: Mapped[str | None] = mapped_column(Text)
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(TZ)


class PostingRow(Base):
    __tablename__ = "ledger_postings"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="nonzero"),
        CheckConstraint("unit IN ('money', 'class')", name="unit"),
        Index("ix_ledger_postings_account", "tenant_id", "account", "unit"),
    )

    id: Mapped[int] = mapped_column(BIG, primary_key=True, autoincrement=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    account: Mapped[str] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(String(8))
    amount: Mapped[int] = mapped_column(BIG)


class Reversal(Base):
    """An entry is reversed at most once: the database holds that rule (primary key)."""

    __tablename__ = "entry_reversals"

    reversed_entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ledger_entries.id"), primary_key=True
    )
    reversal_entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ledger_entries.id"), unique=True
    )
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZ)


class Allocation(Base):
    """What a payment pays for: a pack, an invoice or a catalogue service."""

    __tablename__ = "payment_allocations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    target: Mapped[str] = mapped_column(String(8))  # pack, invoice, service
    target_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    amount_minor: Mapped[int] = mapped_column(BIG)


class ClientBalance(Base):
    """Cached: minus the sum of the client account's money postings."""

    __tablename__ = "client_balances"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "client_id", name="pk_client_balances"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    balance_minor: Mapped[int] = mapped_column(BIG)
    # Counts the balance's changes, raised by the statement that moves it (under its row
    # lock): balance_changed events carry it, and readers keep the highest.
    sequence: Mapped[int] = mapped_column(BIG, default=0, server_default="0")


class MonthlyTotal(Base):
    """Cached monthly sums per measure and dimension, spread over shards so concurrent
    writers rarely wait on one row; a report adds the shards up."""

    __tablename__ = "monthly_totals"
    __table_args__ = (
        PrimaryKeyConstraint(
            "tenant_id", "month", "measure", "dim", "dim_id", "shard", name="pk_monthly_totals"
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    month: Mapped[date] = mapped_column(Date)
    measure: Mapped[str] = mapped_column(String(16))  # revenue, received, refunded
    dim: Mapped[str] = mapped_column(String(8))  # all, branch, group, teacher, service
    dim_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    shard: Mapped[int] = mapped_column(SmallInteger)
    amount_minor: Mapped[int] = mapped_column(BIG)
    count: Mapped[int] = mapped_column(Integer)


class DebtSnapshot(Base):
    """A month's debt, taken once after the month ended (the primary key lets one job in):
    every client's balance at the month's last day from the entries written up to
    `counted_until`. Entries booked into the month later are added when read."""

    __tablename__ = "debt_snapshots"
    __table_args__ = (PrimaryKeyConstraint("tenant_id", "month", name="pk_debt_snapshots"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    month: Mapped[date] = mapped_column(Date)
    counted_until: Mapped[datetime] = mapped_column(TZ)
    taken_at: Mapped[datetime] = mapped_column(TZ)


class DebtSnapshotBalance(Base):
    """A client's non-zero balance (payments minus charges) in a debt snapshot, under the
    home branch the client had then."""

    __tablename__ = "debt_snapshot_balances"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "month", "client_id", name="pk_debt_snapshot_balances"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    month: Mapped[date] = mapped_column(Date)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    branch_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    balance_minor: Mapped[int] = mapped_column(BIG)


# --- invoices and reminders -------------------------------------------------------------------


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (Index("ix_invoices_tenant_client", "tenant_id", "client_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    pack_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    description: Mapped[str] = mapped_column(String(500))
    amount_minor: Mapped[int] = mapped_column(BIG)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8))  # open, paid, void
    paid_minor: Mapped[int] = mapped_column(BIG, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TZ)


class DueItem(Base):
    __tablename__ = "due_items"
    __table_args__ = (Index("ix_due_items_open", "due_on", "settled_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    pack_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(16))  # prepaid, postpaid, credit, invoice
    # A sale's (or extension's) due item: the pack's own payments settle it, oldest first,
    # besides payments to its invoice.
    by_pack: Mapped[bool] = mapped_column(Boolean, default=False)
    due_on: Mapped[date] = mapped_column(Date)
    soon_from: Mapped[date] = mapped_column(Date)  # due_on less the organisation's notice
    amount_minor: Mapped[int] = mapped_column(BIG)
    settled_at: Mapped[datetime | None] = mapped_column(TZ)
    created_at: Mapped[datetime] = mapped_column(TZ)


class DueNotice(Base):
    """A reminder sent: the primary key makes it once per due item and kind, whatever runs."""

    __tablename__ = "due_notices"
    __table_args__ = (PrimaryKeyConstraint("due_item_id", "notice", name="pk_due_notices"),)

    due_item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("due_items.id"))
    notice: Mapped[str] = mapped_column(String(16))  # due_soon, overdue
    sent_at: Mapped[datetime] = mapped_column(TZ)


class PackNotice(Base):
    """A pack reminder sent: the primary key makes it once per pack, condition and period
    (the end date the pack had then; NO_END for a pack without one)."""

    __tablename__ = "pack_notices"
    __table_args__ = (
        PrimaryKeyConstraint("pack_id", "notice", "period_end", name="pk_pack_notices"),
    )

    pack_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("packs.id"))
    notice: Mapped[str] = mapped_column(String(16))  # expiring, running_low
    period_end: Mapped[date] = mapped_column(Date)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    sent_at: Mapped[datetime] = mapped_column(TZ)


NO_END = date(9999, 12, 31)

metadata = Base.metadata
messaging = MessagingTables(metadata)
idempotency = idempotency_table(metadata)
