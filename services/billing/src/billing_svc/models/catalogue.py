"""The catalogue: what an organisation sells."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from billing_svc.models.base import BIG, TZ, Base


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
