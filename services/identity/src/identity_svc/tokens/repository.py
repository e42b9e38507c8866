"""Queries of refresh tokens (one by its hash, the revocation of a session or a subject) and
of the signing keys."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity_svc.models import RefreshToken, SigningKey


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

    async def signing_keys(self) -> list[SigningKey]:
        return list((await self.session.execute(select(SigningKey))).scalars().all())

    async def retire_signing_keys(self, at: datetime) -> None:
        """Every key not yet retired stops signing at `at`."""
        await self.session.execute(
            update(SigningKey).where(SigningKey.retired_at.is_(None)).values(retired_at=at)
        )
