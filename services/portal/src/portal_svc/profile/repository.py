"""Profile change requests and the contacts an account proved, scoped by the organisation."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.db import dialect_insert
from portal_svc.models import ProfileRequest, ProvenContact


class ProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def requests_of(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> list[ProfileRequest]:
        rows = await self.session.scalars(
            select(ProfileRequest)
            .where(ProfileRequest.tenant_id == tenant_id, ProfileRequest.client_id == client_id)
            .order_by(ProfileRequest.created_at.desc(), ProfileRequest.request_id.desc())
            .limit(50)
        )
        return list(rows)

    async def request_for_update(
        self, tenant_id: uuid.UUID, request_id: uuid.UUID
    ) -> ProfileRequest | None:
        row = await self.session.get(ProfileRequest, request_id, with_for_update=True)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def confirming(self, tenant_id: uuid.UUID, account: str) -> list[ProfileRequest]:
        rows = await self.session.scalars(
            select(ProfileRequest)
            .where(
                ProfileRequest.tenant_id == tenant_id,
                ProfileRequest.account == account,
                ProfileRequest.status == "confirming",
            )
            .order_by(ProfileRequest.created_at)
            .with_for_update()
        )
        return list(rows)

    async def proven(self, tenant_id: uuid.UUID, account: str, logins: Sequence[str]) -> set[str]:
        if not logins:
            return set()
        rows = await self.session.scalars(
            select(ProvenContact.login).where(
                ProvenContact.tenant_id == tenant_id,
                ProvenContact.account == account,
                ProvenContact.login.in_(logins),
            )
        )
        return set(rows)

    async def prove(self, tenant_id: uuid.UUID, account: str, login: str, at: datetime) -> None:
        await self.session.execute(
            dialect_insert(self.session, ProvenContact)
            .values(tenant_id=tenant_id, account=account, login=login, proven_at=at)
            .on_conflict_do_update(
                index_elements=["tenant_id", "account", "login"], set_={"proven_at": at}
            )
        )
