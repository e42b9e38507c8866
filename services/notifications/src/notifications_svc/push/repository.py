"""Queries of the devices a client's push messages go to."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.db import dialect_insert
from notifications_svc.models import PushDevice


class PushRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def devices(self, client_id: uuid.UUID) -> list[PushDevice]:
        rows = await self.session.execute(
            select(PushDevice).where(PushDevice.client_id == client_id).order_by(PushDevice.id)
        )
        return list(rows.scalars())

    async def device(self, tenant_id: uuid.UUID | None, device_id: uuid.UUID) -> PushDevice | None:
        device = await self.session.get(PushDevice, device_id)
        return device if device is not None and device.tenant_id == tenant_id else None

    async def with_token(self, client_id: uuid.UUID, token: str) -> PushDevice | None:
        found = await self.session.execute(
            select(PushDevice).where(PushDevice.client_id == client_id, PushDevice.token == token)
        )
        return found.scalar_one_or_none()

    async def count(self, client_id: uuid.UUID) -> int:
        count = await self.session.scalar(
            select(func.count()).where(PushDevice.client_id == client_id)
        )
        return count or 0

    async def register(self, values: dict[str, Any]) -> PushDevice:
        """The device's row; the same device registered twice at once is still one row (its
        keys the newest)."""
        statement = dialect_insert(self.session, PushDevice).values(**values)
        upsert = statement.on_conflict_do_update(
            index_elements=["client_id", "token"],
            set_={"p256dh": statement.excluded.p256dh, "auth": statement.excluded.auth},
        ).returning(PushDevice.id)
        device_id = (await self.session.execute(upsert)).scalar_one()
        device = await self.session.get(PushDevice, device_id, populate_existing=True)
        assert device is not None
        return device

    async def remove(self, device: PushDevice) -> None:
        await self.session.delete(device)

    async def forget(self, ids: list[uuid.UUID]) -> None:
        """Devices the provider says are gone."""
        await self.session.execute(delete(PushDevice).where(PushDevice.id.in_(ids)))
