"""One unit of work's tools: the session, the outbox and the clock."""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.registry import EventPayload
from crm_messaging import Outbox
from crm_platform.internal_auth import Principal
from crm_platform.scope import Scope, Visibility
from journal_svc.models import DEFAULT_MAKEUP_DAYS, Organisation
from journal_svc.places import Places

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

    async def organisation(self, tenant_id: uuid.UUID) -> Organisation:
        """The organisation's journal settings; defaults until identity's event arrives."""
        org = await self.session.get(Organisation, tenant_id)
        if org is None:
            org = Organisation(
                id=tenant_id, time_zone="UTC", makeup_days=DEFAULT_MAKEUP_DAYS, version=1
            )
        return org

    async def today(self, tenant_id: uuid.UUID) -> date:
        """Today where the organisation is."""
        return self.today_in((await self.organisation(tenant_id)).time_zone)

    def today_in(self, time_zone: str | None) -> date:
        """Today in a time zone (UTC for an unknown one)."""
        try:
            zone = zoneinfo.ZoneInfo(time_zone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        return self.now().astimezone(zone).date()

    async def visible(self, principal: Principal) -> Visibility:
        """Whether the caller may act on a client, branch, group or teacher named in a body
        or filter (libs' one scope rule over what the journal knows of each)."""
        scope = Scope.of(principal)
        return Places(self.session, await self.today(scope.tenant_id)).visibility(principal)

    async def lock(self, key: str) -> None:
        """Serialise writers of one timetable (clash checks) until the transaction ends."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key}
            )
