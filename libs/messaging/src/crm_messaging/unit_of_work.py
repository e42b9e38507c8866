"""One unit of work's tools, as every service's context.py extends them: the session (one
transaction, committed at the edge), the outbox its events go through in that transaction,
and the clock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.registry import EventPayload
from crm_messaging.outbox import Outbox
from crm_platform.clock import Clock, date_in, system_clock
from crm_platform.db import advisory_lock


@dataclass
class UnitOfWork:
    """A service's Context adds what is its own; fields it adds without a default go after
    `clock`'s default, so it declares them with `@dataclass(kw_only=True)`."""

    session: AsyncSession
    outbox: Outbox
    clock: Clock = system_clock

    def now(self) -> datetime:
        return self.clock()

    async def emit(self, tenant_id: uuid.UUID, subject: uuid.UUID, payload: EventPayload) -> None:
        """The event is written with the unit of work's changes and published after commit."""
        await self.outbox.emit(self.session, payload, tenant_id=tenant_id, subject=subject)

    async def lock(self, key: str) -> None:
        """Serialise the writers of one key (an account's sign-ins, a timetable's clash
        checks) until the transaction ends, so concurrent ones see each other's work."""
        await advisory_lock(self.session, key)

    async def time_zone(self, tenant_id: uuid.UUID) -> str:
        """The organisation's time zone; a service that learns organisations says it."""
        return "UTC"

    async def today(self, tenant_id: uuid.UUID) -> date:
        """Today where the organisation is."""
        return await self.today_at(tenant_id, self.now())

    async def today_at(self, tenant_id: uuid.UUID, now: datetime) -> date:
        return date_in(await self.time_zone(tenant_id), now)
