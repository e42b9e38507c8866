"""The ledger (append-only: the migration puts triggers on it that refuse UPDATE and
DELETE) and the cached figures written in the same transaction as the postings they
summarise: client balances, monthly totals, month-end debt snapshots."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
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
)
from sqlalchemy.orm import Mapped, mapped_column

from billing_svc.models.base import BIG, TZ, Base

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
