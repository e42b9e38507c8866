"""Queries of the knowledge centre, scoped by organisation and by branch."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from portal_svc.knowledge.tables import Material, MaterialFile
from portal_svc.models import Enrolment


class KnowledgeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def materials(self, where: ColumnElement[bool], limit: int = 200) -> list[Material]:
        rows = await self.session.scalars(
            select(Material).where(where).order_by(Material.updated_at.desc()).limit(limit)
        )
        return list(rows)

    async def material(self, tenant_id: uuid.UUID, material_id: uuid.UUID) -> Material | None:
        row = await self.session.get(Material, material_id, with_for_update=True)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def files_of(
        self, material_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[MaterialFile]]:
        out: dict[uuid.UUID, list[MaterialFile]] = {m: [] for m in material_ids}
        if not material_ids:
            return out
        rows = await self.session.scalars(
            select(MaterialFile)
            .options(defer(MaterialFile.data))
            .where(MaterialFile.material_id.in_(material_ids))
            .order_by(MaterialFile.created_at, MaterialFile.id)
        )
        for row in rows:
            out[row.material_id].append(row)
        return out

    async def file(self, file_id: uuid.UUID) -> MaterialFile | None:
        return await self.session.get(MaterialFile, file_id)

    async def client_branches(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, today: date
    ) -> set[uuid.UUID]:
        """The branches of the groups the client is enrolled in now."""
        rows = await self.session.scalars(
            select(Enrolment.branch_id).where(
                Enrolment.tenant_id == tenant_id,
                Enrolment.client_id == client_id,
                or_(Enrolment.until_date.is_(None), Enrolment.until_date >= today),
            )
        )
        return set(rows)
