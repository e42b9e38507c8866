"""One unit of work's tools: the session, the outbox, the settings and the clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.readmodels import ReadModels
from clients_svc.settings import Settings
from crm_contracts.registry import EventPayload
from crm_messaging import Outbox
from crm_platform.db import advisory_lock

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    session: AsyncSession
    outbox: Outbox
    settings: Settings
    clock: Clock = system_clock

    def now(self) -> datetime:
        return self.clock()

    async def emit(self, tenant_id: uuid.UUID, subject: uuid.UUID, payload: EventPayload) -> None:
        await self.outbox.emit(self.session, payload, tenant_id=tenant_id, subject=subject)

    async def today(self, tenant_id: uuid.UUID) -> date:
        return await self.today_at(tenant_id, self.now())

    async def today_at(self, tenant_id: uuid.UUID, now: datetime) -> date:
        """The date in the organisation's time zone (UTC until identity told us the zone)."""
        org = await ReadModels(self.session).organisation(tenant_id)
        zone: tzinfo = UTC
        if org is not None:
            try:
                zone = ZoneInfo(org.time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                zone = UTC
        return now.astimezone(zone).date()

    async def lock(self, key: str) -> None:
        """Serialise the writers of one key until the transaction ends."""
        await advisory_lock(self.session, key)
