"""Queries of families (their members are cards: CardsRepository.family_members)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.models import Family


class FamiliesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def family(self, tenant_id: uuid.UUID, family_id: uuid.UUID) -> Family | None:
        row = await self.session.get(Family, family_id)
        return row if row is not None and row.tenant_id == tenant_id else None
