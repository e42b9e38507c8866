"""One unit of work's tools (libs' UnitOfWork: the session, the outbox, the clock), with the
organisation's journal settings and what the caller may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from crm_messaging import UnitOfWork
from crm_platform.clock import date_in
from crm_platform.internal_auth import Principal
from crm_platform.scope import Scope, Visibility
from journal_svc.models import DEFAULT_MAKEUP_DAYS, Organisation
from journal_svc.readmodels import ReadModels
from journal_svc.repository import Places


@dataclass
class Context(UnitOfWork):
    async def organisation(self, tenant_id: uuid.UUID) -> Organisation:
        """The organisation's journal settings; defaults until identity's event arrives."""
        org = await ReadModels(self.session).find_organisation(tenant_id)
        if org is None:
            org = Organisation(
                id=tenant_id, time_zone="UTC", makeup_days=DEFAULT_MAKEUP_DAYS, version=1
            )
        return org

    async def time_zone(self, tenant_id: uuid.UUID) -> str:
        return (await self.organisation(tenant_id)).time_zone

    def today_in(self, time_zone: str | None) -> date:
        """Today in a time zone (UTC for an unknown one)."""
        return date_in(time_zone or "UTC", self.now())

    async def visible(self, principal: Principal) -> Visibility:
        """Whether the caller may act on a client, branch, group or teacher named in a body
        or filter (libs' one scope rule over what the journal knows of each)."""
        scope = Scope.of(principal)
        return Places(self.session, await self.today(scope.tenant_id)).visibility(principal)
