"""Every catalogue query, scoped by tenant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.models import Service
from crm_platform.pagination import keyset


class CatalogueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def service(self, tenant_id: uuid.UUID, service_id: uuid.UUID) -> Service | None:
        row = await self.session.get(Service, service_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def services(
        self,
        tenant_id: uuid.UUID,
        *,
        kind: str | None,
        archived: bool | None,
        cursor: str | None,
        limit: int,
    ) -> Sequence[Service]:
        query = select(Service).where(Service.tenant_id == tenant_id)
        if kind is not None:
            query = query.where(Service.kind == kind)
        if archived is not None:
            query = query.where(Service.archived == archived)
        rows = await self.session.execute(keyset(query, Service.id, cursor, limit))
        return list(rows.scalars().all())

    async def by_ids(self, tenant_id: uuid.UUID, ids: set[uuid.UUID]) -> dict[uuid.UUID, Service]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Service).where(Service.tenant_id == tenant_id, Service.id.in_(ids))
        )
        return {s.id: s for s in rows.scalars()}

    async def one_time_services(self, tenant_id: uuid.UUID) -> Sequence[Service]:
        """The organisation's one-time services in the catalogue, oldest first."""
        rows = await self.session.execute(
            select(Service)
            .where(
                Service.tenant_id == tenant_id,
                Service.kind == "one_time",
                Service.archived.is_(False),
            )
            .order_by(Service.id)
        )
        return list(rows.scalars().all())
