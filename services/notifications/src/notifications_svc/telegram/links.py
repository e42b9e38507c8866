"""/start payloads: single use, expiring, only their hash kept."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from notifications_svc.models import TelegramLink
from notifications_svc.telegram.repository import TelegramRepository


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def new_link(
    session: AsyncSession, tenant_id: uuid.UUID, client_id: uuid.UUID, expires_at: datetime
) -> str:
    # 32 URL-safe characters: within Telegram's 64 for a /start payload
    token = secrets.token_urlsafe(24)
    session.add(
        TelegramLink(
            token_hash=digest(token),
            tenant_id=tenant_id,
            client_id=client_id,
            expires_at=expires_at,
        )
    )
    await session.flush()
    return token


async def find(session: AsyncSession, token: str) -> TelegramLink | None:
    return await TelegramRepository(session).link(digest(token))


async def pending_for_chat(
    session: AsyncSession, chat_id: str, now: datetime
) -> TelegramLink | None:
    """The link this chat opened and has not used yet, newest first."""
    return await TelegramRepository(session).pending_for_chat(chat_id, now)


def ttl(hours: int) -> timedelta:
    return timedelta(hours=hours)
