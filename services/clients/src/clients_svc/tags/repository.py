"""Queries of tags and custom field definitions, by tenant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.models import ClientTag, CustomField, Tag


class TagsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def tags(self, tenant_id: uuid.UUID) -> list[Tag]:
        rows = await self.session.execute(
            select(Tag).where(Tag.tenant_id == tenant_id).order_by(Tag.name_key)
        )
        return list(rows.scalars().all())

    async def tag(self, tenant_id: uuid.UUID, tag_id: uuid.UUID) -> Tag | None:
        row = await self.session.get(Tag, tag_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def tag_by_key(self, tenant_id: uuid.UUID, name_key: str) -> Tag | None:
        rows = await self.session.execute(
            select(Tag).where(Tag.tenant_id == tenant_id, Tag.name_key == name_key)
        )
        return rows.scalar_one_or_none()

    async def known_tag_ids(
        self, tenant_id: uuid.UUID, tag_ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        if not tag_ids:
            return set()
        rows = await self.session.execute(
            select(Tag.id).where(Tag.tenant_id == tenant_id, Tag.id.in_(list(tag_ids)))
        )
        return set(rows.scalars().all())

    async def clients_with_tag(self, tag_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await self.session.execute(
            select(ClientTag.client_id).where(ClientTag.tag_id == tag_id)
        )
        return list(rows.scalars().all())

    async def custom_fields(self, tenant_id: uuid.UUID) -> list[CustomField]:
        rows = await self.session.execute(
            select(CustomField).where(CustomField.tenant_id == tenant_id).order_by(CustomField.key)
        )
        return list(rows.scalars().all())

    async def custom_field(self, tenant_id: uuid.UUID, field_id: uuid.UUID) -> CustomField | None:
        row = await self.session.get(CustomField, field_id)
        return row if row is not None and row.tenant_id == tenant_id else None
