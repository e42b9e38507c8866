"""/start payloads: single use, expiring, only their hash kept."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications_svc.models import TelegramLink


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
    return await session.get(TelegramLink, digest(token), with_for_update=True)


async def pending_for_chat(
    session: AsyncSession, chat_id: str, now: datetime
) -> TelegramLink | None:
    """The link this chat opened and has not used yet, newest first."""
    found = await session.execute(
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


def ttl(hours: int) -> timedelta:
    return timedelta(hours=hours)
