"""Queries of the organisation's notification settings, kept on its read-model row."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from notifications_svc.models import Organisation


class OrganisationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, tenant_id: uuid.UUID) -> Organisation | None:
        return await self.session.get(Organisation, tenant_id)

    async def to_change(self, tenant_id: uuid.UUID) -> Organisation:
        """The row whose settings change, added empty until identity's event arrives."""
        org = await self.find(tenant_id)
        if org is None:
            org = Organisation(id=tenant_id, name="", settings={})
            self.session.add(org)
        return org
