"""Queries of operators and of every organisation's standing (operators see them all)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.pagination import keyset
from identity_svc.models import ClientCard, Operator, Organisation


class OperatorsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def operator(self, operator_id: uuid.UUID) -> Operator | None:
        return await self.session.get(Operator, operator_id)

    async def operator_by_email(self, email: str) -> Operator | None:
        rows = await self.session.execute(select(Operator).where(Operator.email == email))
        return rows.scalar_one_or_none()

    async def organisations(self, cursor: str | None, limit: int) -> Sequence[Organisation]:
        """Every organisation: only operators list them."""
        rows = await self.session.execute(
            keyset(select(Organisation), Organisation.id, cursor, limit)
        )
        return list(rows.scalars().all())

    async def organisation_for_update(self, tenant_id: uuid.UUID) -> Organisation | None:
        rows = await self.session.execute(
            select(Organisation).where(Organisation.id == tenant_id).with_for_update()
        )
        return rows.scalar_one_or_none()

    async def count_active_clients(self, tenant_id: uuid.UUID) -> int:
        query = select(func.count()).where(
            ClientCard.tenant_id == tenant_id, ClientCard.archived.is_(False)
        )
        return int((await self.session.execute(query)).scalar_one())
