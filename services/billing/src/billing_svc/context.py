"""One unit of work's tools (libs' UnitOfWork: the session, the outbox, the clock), with the
organisation billing knows and the scheduler's wake-up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from billing_svc.models import Organisation
from billing_svc.readmodels import ReadModels
from crm_messaging import UnitOfWork
from crm_platform.clock import date_in
from crm_platform.errors import ProblemError
from crm_platform.wakeups import wake_on_commit

# Wakes this process's scheduler (reminders/scheduler.py).
REMINDERS_CHANNEL = "billing_reminders"


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
class Context(UnitOfWork):
    def wake_reminders(self) -> None:
        """The scheduler looks for reminders once this unit of work commits."""
        wake_on_commit(self.session, REMINDERS_CHANNEL)

    async def organisation(self, tenant_id: uuid.UUID) -> Organisation:
        org = await ReadModels(self.session).find_organisation(tenant_id)
        if org is None:
            raise OrganisationUnknownError()
        return org

    async def time_zone(self, tenant_id: uuid.UUID) -> str:
        return (await self.organisation(tenant_id)).time_zone

    def today_in(self, org: Organisation) -> date:
        return date_in(org.time_zone, self.now())
