"""Queries of failed sign-ins (the slowing of guesses) and of one-time tokens (reset, invite)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity_svc.models import OneTimeToken, SignInFailure


class SignInRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def attempts_since(self, key: str, since: datetime) -> tuple[int, datetime | None]:
        """How many rows `key` has since `since`, and the latest."""
        row = (
            await self.session.execute(
                select(func.count(), func.max(SignInFailure.at)).where(
                    SignInFailure.key == key, SignInFailure.at > since
                )
            )
        ).one()
        return int(row[0]), row[1]

    async def add_failure(self, key: str, at: datetime) -> None:
        self.session.add(SignInFailure(key=key, at=at))
        await self.session.flush()

    async def clear_failures(self, key: str) -> None:
        await self.session.execute(delete(SignInFailure).where(SignInFailure.key == key))

    async def one_time_token(self, token_hash: bytes, purpose: str) -> OneTimeToken | None:
        rows = await self.session.execute(
            select(OneTimeToken)
            .where(OneTimeToken.token_hash == token_hash, OneTimeToken.purpose == purpose)
            .with_for_update()
        )
        return rows.scalar_one_or_none()
