"""Queries of the /start links (kept by the hash of their token)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications_svc.models import TelegramLink


class TelegramRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def link(self, token_hash: str) -> TelegramLink | None:
        """The link, locked until the transaction ends."""
        return await self.session.get(TelegramLink, token_hash, with_for_update=True)

    async def pending_for_chat(self, chat_id: str, now: datetime) -> TelegramLink | None:
        """The link this chat opened and has not used yet, newest first, locked."""
        found = await self.session.execute(
            select(TelegramLink)
            .where(
                TelegramLink.chat_id == chat_id,
                TelegramLink.used_at.is_(None),
                TelegramLink.expires_at > now,
            )
            .order_by(TelegramLink.expires_at.desc())
            .limit(1)
            .with_for_update()
        )
        return found.scalar_one_or_none()
