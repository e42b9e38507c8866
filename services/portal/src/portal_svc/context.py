"""One unit of work's tools (libs' UnitOfWork: the session, the outbox, the clock), with the
organisation the portal knows and its branches."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from crm_messaging import UnitOfWork
from crm_platform.db import SessionDep
from crm_platform.internal_auth import Principal
from crm_platform.scope import Place, Visibility
from portal_svc.models import Organisation
from portal_svc.readmodels import ReadModels


@dataclass
class Context(UnitOfWork):
    async def organisation(self, tenant_id: uuid.UUID) -> Organisation | None:
        return await ReadModels(self.session).find_organisation(tenant_id)

    async def time_zone(self, tenant_id: uuid.UUID) -> str:
        """UTC until identity's event has arrived."""
        org = await self.organisation(tenant_id)
        return org.time_zone if org else "UTC"

    def visible(self, principal: Principal) -> Visibility:
        """Whether a staff caller may act on a branch named in a body (libs' one scope rule
        over the portal's copy of the organisation's branches, kept from identity's events)."""
        models = ReadModels(self.session)

        async def branch(tenant_id: uuid.UUID, branch_id: uuid.UUID) -> Place | None:
            found = await models.find_branch(branch_id)
            return None if found is None else Place.of(found.tenant_id, [branch_id])

        return Visibility(principal, {"branch": branch})


async def context(request: Request, session: SessionDep) -> Context:
    state = request.app.state
    return Context(session, state.outbox, state.clock)


ContextDep = Annotated[Context, Depends(context)]
