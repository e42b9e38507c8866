"""Queries of organisations and their branches; staff-facing reads are scoped by tenant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.pagination import keyset
from identity_svc.models import Branch, Organisation


class OrganisationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def organisation(self, tenant_id: uuid.UUID) -> Organisation | None:
        return await self.session.get(Organisation, tenant_id)

    async def branch(self, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> Branch | None:
        row = await self.session.get(Branch, branch_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def branch_any_tenant(self, branch_id: uuid.UUID) -> Branch | None:
        """Only for the gateway's system lookups, which need the owning tenant."""
        return await self.session.get(Branch, branch_id)

    async def branches(
        self,
        tenant_id: uuid.UUID,
        only: frozenset[uuid.UUID] | None,
        cursor: str | None,
        limit: int,
    ) -> Sequence[Branch]:
        query = select(Branch).where(Branch.tenant_id == tenant_id)
        if only is not None:
            query = query.where(Branch.id.in_(only))
        rows = await self.session.execute(keyset(query, Branch.id, cursor, limit))
        return list(rows.scalars().all())

    async def branch_ids(self, tenant_id: uuid.UUID, ids: set[uuid.UUID]) -> set[uuid.UUID]:
        if not ids:
            return set()
        rows = await self.session.execute(
            select(Branch.id).where(Branch.tenant_id == tenant_id, Branch.id.in_(ids))
        )
        return set(rows.scalars().all())

    async def count_branches(self, tenant_id: uuid.UUID) -> int:
        query = select(func.count()).where(
            Branch.tenant_id == tenant_id, Branch.archived.is_(False)
        )
        return int((await self.session.execute(query)).scalar_one())
