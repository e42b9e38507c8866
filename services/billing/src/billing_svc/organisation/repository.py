"""Queries of the organisation's billing settings."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.models import DueItem, Organisation


class OrganisationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_update(self, tenant_id: uuid.UUID) -> Organisation | None:
        rows = await self.session.execute(
            select(Organisation).where(Organisation.id == tenant_id).with_for_update()
        )
        return rows.scalar_one_or_none()

    async def open_due_items(self, tenant_id: uuid.UUID) -> list[DueItem]:
        rows = await self.session.execute(
            select(DueItem).where(DueItem.tenant_id == tenant_id, DueItem.settled_at.is_(None))
        )
        return list(rows.scalars())

    async def move_reminders(self, tenant_id: uuid.UUID, lead_days: int) -> None:
        """Open due items are reminded `lead_days` before their due date from now on."""
        for item in await self.open_due_items(tenant_id):
            item.soon_from = item.due_on - timedelta(days=lead_days)
        await self.session.flush()
