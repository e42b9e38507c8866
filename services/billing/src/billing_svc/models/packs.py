"""Packs (anything sold to a client): their freezes, period ends, history, uses, and
the marks they were used for."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    Uuid,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from billing_svc.models.base import BIG, TZ, Base


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
