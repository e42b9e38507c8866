"""Queries of leads, by tenant and the caller's branches."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.models import Lead
from crm_platform.pagination import keyset


class LeadsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lead(self, tenant_id: uuid.UUID, lead_id: uuid.UUID) -> Lead | None:
        rows = await self.session.execute(
            select(Lead).where(Lead.tenant_id == tenant_id, Lead.id == lead_id).with_for_update()
        )
        return rows.scalar_one_or_none()

    async def leads(
        self,
        tenant_id: uuid.UUID,
        scope: ColumnElement[bool] | None,
        statuses: Sequence[str],
        cursor: str | None,
        limit: int,
    ) -> list[Lead]:
        query = select(Lead).where(Lead.tenant_id == tenant_id)
        if scope is not None:
            query = query.where(scope)
        if statuses:
            query = query.where(Lead.status.in_(list(statuses)))
        rows = await self.session.execute(keyset(query, Lead.id, cursor, limit))
        return list(rows.scalars().all())

    async def open_lead_with_contact(
        self, tenant_id: uuid.UUID, phone: str | None, email: str | None
    ) -> Lead | None:
        wanted: list[ColumnElement[bool]] = []
        if phone:
            wanted.append(Lead.phone == phone)
        if email:
            wanted.append(Lead.email == email)
        if not wanted:
            return None
        rows = await self.session.execute(
            select(Lead)
            .where(
                Lead.tenant_id == tenant_id,
                Lead.status.in_(["new", "contacted", "trial"]),
                or_(*wanted),
            )
            .order_by(Lead.id)
            .limit(1)
        )
        return rows.scalar_one_or_none()
