"""Queries of profile change requests from the portal."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.models import Client, ProfileRequest


class ProfileRequestsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def request(
        self, request_id: uuid.UUID, *, for_update: bool = False
    ) -> ProfileRequest | None:
        return await self.session.get(ProfileRequest, request_id, with_for_update=for_update)

    async def pending(
        self, tenant_id: uuid.UUID, visible: ColumnElement[bool]
    ) -> list[ProfileRequest]:
        """The oldest 200 pending requests on the clients `visible` (a condition on cards)
        lets the caller see."""
        rows = await self.session.scalars(
            select(ProfileRequest)
            .where(
                ProfileRequest.tenant_id == tenant_id,
                ProfileRequest.status == "pending",
                ProfileRequest.client_id.in_(select(Client.id).where(visible)),
            )
            .order_by(ProfileRequest.created_at, ProfileRequest.id)
            .limit(200)
        )
        return list(rows)
