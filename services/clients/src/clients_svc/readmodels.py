"""The clients context's copies of other contexts' data, kept from their events: the
organisations (plan, time zone), their branches, the journal's groups and memberships."""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.models import Branch, Group, Membership, Organisation


class ReadModels:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def organisation(self, tenant_id: uuid.UUID) -> Organisation | None:
        return await self.session.get(Organisation, tenant_id)

    async def group(self, group_id: uuid.UUID) -> Group | None:
        return await self.session.get(Group, group_id)

    async def branch(self, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> Branch | None:
        row = await self.session.get(Branch, branch_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def add_branch(self, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> None:
        if await self.session.get(Branch, branch_id) is None:
            self.session.add(Branch(id=branch_id, tenant_id=tenant_id))

    async def membership(self, enrolment_id: uuid.UUID) -> Membership | None:
        return await self.session.get(Membership, enrolment_id)

    async def move_group_memberships(
        self, tenant_id: uuid.UUID, group_id: uuid.UUID, branch_id: uuid.UUID
    ) -> None:
        await self.session.execute(
            update(Membership)
            .where(Membership.tenant_id == tenant_id, Membership.group_id == group_id)
            .values(branch_id=branch_id)
        )
