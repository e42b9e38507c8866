"""One unit of work's tools: the session, the outbox, the clock and the organisation."""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.models import Organisation
from billing_svc.readmodels import ReadModels
from crm_contracts.registry import EventPayload
from crm_messaging import Outbox
from crm_platform.errors import ProblemError
from crm_platform.wakeups import wake_on_commit

Clock = Callable[[], datetime]
# Wakes this process's scheduler (reminders/scheduler.py).
REMINDERS_CHANNEL = "billing_reminders"


def system_clock() -> datetime:
    return datetime.now(UTC)


class OrganisationUnknownError(ProblemError):
    """Billing learns organisations from identity's events; until the first one arrives
    (moments after sign-up) money cannot be recorded, because its currency is unknown."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "Service Unavailable",
            "billing has not yet learnt about this organisation; retry in a moment",
            headers={"Retry-After": "1"},
        )


@dataclass
class Context:
    session: AsyncSession
    outbox: Outbox
    clock: Clock = system_clock

    def now(self) -> datetime:
        return self.clock()

    def wake_reminders(self) -> None:
        """The scheduler looks for reminders once this unit of work commits."""
        wake_on_commit(self.session, REMINDERS_CHANNEL)

    async def emit(self, tenant_id: uuid.UUID, subject: uuid.UUID, payload: EventPayload) -> None:
        await self.outbox.emit(self.session, payload, tenant_id=tenant_id, subject=subject)

    async def organisation(self, tenant_id: uuid.UUID) -> Organisation:
        org = await ReadModels(self.session).find_organisation(tenant_id)
        if org is None:
            raise OrganisationUnknownError()
        return org

    def today_in(self, org: Organisation) -> date:
        return today_in(org.time_zone, self.now())

    async def today(self, tenant_id: uuid.UUID) -> date:
        return self.today_in(await self.organisation(tenant_id))


def today_in(time_zone: str, now: datetime) -> date:
    """The date `now` falls on in the time zone (UTC when the zone is unknown)."""
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return now.astimezone(zone).date()
