"""One unit of work's tools: the session, the outbox and the clock."""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.registry import EventPayload
from crm_messaging import Outbox
from crm_platform.db import SessionDep
from portal_svc.models import Organisation

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    session: AsyncSession
    outbox: Outbox
    clock: Clock = system_clock

    def now(self) -> datetime:
        return self.clock()

    async def emit(self, tenant_id: uuid.UUID, subject: uuid.UUID, payload: EventPayload) -> None:
        await self.outbox.emit(self.session, payload, tenant_id=tenant_id, subject=subject)

    async def organisation(self, tenant_id: uuid.UUID) -> Organisation | None:
        return await self.session.get(Organisation, tenant_id)

    async def today(self, tenant_id: uuid.UUID) -> date:
        """Today where the organisation is (UTC until identity's event has arrived)."""
        org = await self.organisation(tenant_id)
        try:
            zone = zoneinfo.ZoneInfo(org.time_zone if org else "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        return self.now().astimezone(zone).date()


async def context(request: Request, session: SessionDep) -> Context:
    state = request.app.state
    return Context(session, state.outbox, state.clock)


ContextDep = Annotated[Context, Depends(context)]
