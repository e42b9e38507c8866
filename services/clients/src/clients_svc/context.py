"""One unit of work's tools (libs' UnitOfWork: the session, the outbox, the clock), with the
clients context's settings and its organisations' time zones."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from clients_svc.readmodels import ReadModels
from clients_svc.settings import Settings
from crm_messaging import UnitOfWork


@dataclass(kw_only=True)
class Context(UnitOfWork):
    settings: Settings

    async def time_zone(self, tenant_id: uuid.UUID) -> str:
        """UTC until identity told us the zone."""
        org = await ReadModels(self.session).organisation(tenant_id)
        return org.time_zone if org is not None else "UTC"
