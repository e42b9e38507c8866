"""The caller's scope over client cards, as the use cases need it: the SQL condition, a
check of ids named in a body or filter (clients, branches, staff members), and the card the
caller may see (404 otherwise)."""

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
        """Whether the caller may act on a client, branch or staff member named in a body or
        filter (libs' one scope rule over what this service knows of each)."""
        scope = Scope.of(principal)
        today = await self.ctx.today(scope.tenant_id)

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

        async def staff_member(tenant_id: uuid.UUID, user_id: uuid.UUID) -> Place | None:
            return await self._staff_place(scope, tenant_id, user_id)

        return Visibility(
            principal, {"client": client, "branch": branch, "staff member": staff_member}
        )

    async def _staff_place(
        self, scope: Scope, tenant_id: uuid.UUID, user_id: uuid.UUID
    ) -> Place | None:
        """Where a staff member works, as identity's access events told: the branches and
        groups granted, a granted group's branch and a granted branch's groups. Someone of
        the whole organisation (the owner) works wherever the caller does. A deactivated
        member, or one not heard of, has no place (no task may be given to them)."""
        models = ReadModels(self.ctx.session)
        member = await models.staff_member(tenant_id, user_id)
        if member is None or member.status == "deactivated":
            return None
        if member.organisation_wide:
            return Place.of(tenant_id, scope.branch_ids, scope.group_ids)
        branches = {uuid.UUID(b) for b in member.branch_ids}
        groups = {uuid.UUID(g) for g in member.group_ids}
        return Place.of(
            tenant_id,
            branches | await models.branches_of_groups(tenant_id, groups),
            groups | await models.groups_in_branches(tenant_id, branches),
        )

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
