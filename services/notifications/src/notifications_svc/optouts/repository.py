"""Queries of a client's opt-outs (one is added by MessagesRepository.add_opt_out, which the
sender, the bot and unsubscribing share)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications_svc.models import OptOut


class OptOutsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_client(self, client_id: uuid.UUID) -> list[OptOut]:
        rows = await self.session.execute(
            select(OptOut)
            .where(OptOut.client_id == client_id)
            .order_by(OptOut.category, OptOut.channel)
        )
        return list(rows.scalars())

    async def remove(self, client_id: uuid.UUID, category: str, channel: str) -> None:
        await self.session.execute(
            delete(OptOut).where(
                OptOut.client_id == client_id,
                OptOut.category == category,
                OptOut.channel == channel,
            )
        )
