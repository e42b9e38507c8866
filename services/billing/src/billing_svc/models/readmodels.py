"""Copies of other contexts' data that billing keeps from their events."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from billing_svc.models.base import TZ, Base


class Organisation(Base):
    """Identity's organisation as billing needs it, plus billing's own settings."""

    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    time_zone: Mapped[str] = mapped_column(String(64))
    absence_uses_class: Mapped[bool] = mapped_column(Boolean, default=False)
    due_soon_days: Mapped[int] = mapped_column(Integer, default=3)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Branch(Base):
    """From identity's events: the organisation's branches (a branch named in a body must be
    one of them)."""

    __tablename__ = "branches"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)


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
