"""Queries of personal links and messenger bindings."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.models import MessengerBinding, PersonalLink


class LinksRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def links_of(self, client_id: uuid.UUID) -> list[PersonalLink]:
        rows = await self.session.execute(
            select(PersonalLink)
            .where(PersonalLink.client_id == client_id)
            .order_by(PersonalLink.created_at.desc())
        )
        return list(rows.scalars().all())

    async def link(self, token_hash: bytes) -> PersonalLink | None:
        return await self.session.get(PersonalLink, token_hash)

    async def binding(
        self, tenant_id: uuid.UUID, channel: str, chat_id: str, client_id: uuid.UUID
    ) -> MessengerBinding | None:
        return await self.session.get(MessengerBinding, (tenant_id, channel, chat_id, client_id))
