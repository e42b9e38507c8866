"""Queries of client portal accounts and their one-time codes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity_svc.models import PortalAccount, PortalCode


class PortalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def portal_account(self, tenant_id: uuid.UUID, login: str) -> PortalAccount | None:
        rows = await self.session.execute(
            select(PortalAccount).where(
                PortalAccount.tenant_id == tenant_id, PortalAccount.login == login
            )
        )
        return rows.scalar_one_or_none()

    async def portal_account_by_id(self, account_id: uuid.UUID) -> PortalAccount | None:
        return await self.session.get(PortalAccount, account_id)

    async def codes_of_login_since(
        self, tenant_id: uuid.UUID, login: str, since: datetime
    ) -> tuple[int, datetime | None]:
        """How many codes the login was sent after `since`, and the oldest of them."""
        return await self._codes_since(
            (PortalCode.tenant_id == tenant_id) & (PortalCode.login == login), since
        )

    async def codes_to_address_since(
        self, address: str, since: datetime
    ) -> tuple[int, datetime | None]:
        """How many codes were asked for from this address after `since`, and the oldest."""
        return await self._codes_since(PortalCode.address == address, since)

    async def _codes_since(
        self, condition: ColumnElement[bool], since: datetime
    ) -> tuple[int, datetime | None]:
        count, oldest = (
            await self.session.execute(
                select(func.count(), func.min(PortalCode.created_at)).where(
                    condition, PortalCode.created_at > since
                )
            )
        ).one()
        return int(count), oldest

    async def newest_code(
        self, tenant_id: uuid.UUID, login: str, purpose: str
    ) -> PortalCode | None:
        return (
            await self.session.execute(
                select(PortalCode)
                .where(
                    PortalCode.tenant_id == tenant_id,
                    PortalCode.login == login,
                    PortalCode.purpose == purpose,
                )
                .order_by(PortalCode.created_at.desc(), PortalCode.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
