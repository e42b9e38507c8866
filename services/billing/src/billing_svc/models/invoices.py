"""Invoices, the due items reminders follow, and the reminders sent (held once by their
rows' primary keys)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, PrimaryKeyConstraint, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from billing_svc.models.base import BIG, TZ, Base


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (Index("ix_invoices_tenant_client", "tenant_id", "client_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    pack_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    description: Mapped[str] = mapped_column(String(500))
    # The days a pack's invoice charges for; none on an invoice written by hand.
    period_from: Mapped[date | None] = mapped_column(Date)
    period_until: Mapped[date | None] = mapped_column(Date)
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
