"""The caller's scope over client cards, as the use cases need it: the SQL condition, a
check of ids named in a body or filter, and the card the caller may see (404 otherwise)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement

from clients_svc.access import visible_clients
from clients_svc.cards.repository import CardsRepository
from clients_svc.context import Context
from clients_svc.models import Client
from clients_svc.readmodels import ReadModels
from crm_platform.errors import NotFoundError
from crm_platform.internal_auth import Principal
from crm_platform.scope import Place, Scope, Visibility


@dataclass
class ClientAccess:
    ctx: Context

    @property
    def repo(self) -> CardsRepository:
        return CardsRepository(self.ctx.session)

    async def scope(self, principal: Principal) -> tuple[uuid.UUID, ColumnElement[bool], date]:
        if principal.realm != "staff":
            raise NotFoundError("client")
        tenant = principal.require_tenant()
        today = await self.ctx.today(tenant)
        return tenant, visible_clients(principal, tenant, today), today

    async def visible(self, principal: Principal) -> Visibility:
        """Whether the caller may act on a client or branch named in a body or filter (libs'
        one scope rule over what this service knows of each)."""
        today = await self.ctx.today(Scope.of(principal).tenant_id)

        async def client(tenant_id: uuid.UUID, client_id: uuid.UUID) -> Place | None:
            found = await self.repo.client_in_tenant(tenant_id, client_id)
            if found is None:
                return None
            groups = (await self.repo.groups_of([client_id], today))[client_id]
            branches = [found.branch_id, *(m.branch_id for m in groups)]
            return Place.of(tenant_id, branches, (m.group_id for m in groups))

        async def branch(tenant_id: uuid.UUID, branch_id: uuid.UUID) -> Place | None:
            found = await ReadModels(self.ctx.session).branch(tenant_id, branch_id)
            return None if found is None else Place.of(tenant_id, [branch_id])

        return Visibility(principal, {"client": client, "branch": branch})

    async def visible_client(
        self, principal: Principal, client_id: uuid.UUID, *, for_update: bool = False
    ) -> Client:
        """The card, if the caller may see it; 404 otherwise (another tenant's included)."""
        _, scope, _ = await self.scope(principal)
        if for_update:
            client = await self.repo.client_for_update(scope, client_id)
        else:
            client = await self.repo.client(scope, client_id)
        if client is None:
            raise NotFoundError("client")
        return client
