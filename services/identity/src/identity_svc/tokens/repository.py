"""Queries of refresh tokens: one by its hash, and the revocation of a session or a subject."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity_svc.models import RefreshToken


class TokensRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def refresh_token(self, token_hash: bytes) -> RefreshToken | None:
        rows = await self.session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
        )
        return rows.scalar_one_or_none()

    async def revoke_family(self, family_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def revoke_subject(self, subject_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.subject_id == subject_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
