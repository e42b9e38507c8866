"""The clients context's copies of other contexts' data, kept from their events: the
organisations (plan, time zone), their branches and staff, the journal's groups and
memberships."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.models import Branch, Group, Membership, Organisation, StaffMember
from crm_contracts.events.identity import AccessChanged


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

    async def keep_staff(self, tenant_id: uuid.UUID, access: AccessChanged, at: datetime) -> None:
        """A staff member's access as identity says it is now, unless a newer state is
        already here (events may arrive out of order)."""
        member = await self.session.get(StaffMember, access.user_id, with_for_update=True)
        if member is None:
            member = StaffMember(user_id=access.user_id, tenant_id=tenant_id)
            self.session.add(member)
        elif member.tenant_id != tenant_id or member.as_of > at:
            return
        member.role, member.status, member.as_of = access.role, access.status, at
        member.organisation_wide = access.organisation_wide
        member.branch_ids = sorted({str(b) for b in access.branch_ids})
        member.group_ids = sorted({str(g) for g in access.group_ids})

    async def staff_member(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> StaffMember | None:
        row = await self.session.get(StaffMember, user_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def branches_of_groups(
        self, tenant_id: uuid.UUID, group_ids: Iterable[uuid.UUID]
    ) -> set[uuid.UUID]:
        rows = await self.session.scalars(
            select(Group.branch_id).where(Group.tenant_id == tenant_id, Group.id.in_(group_ids))
        )
        return set(rows)

    async def groups_in_branches(
        self, tenant_id: uuid.UUID, branch_ids: Iterable[uuid.UUID]
    ) -> set[uuid.UUID]:
        rows = await self.session.scalars(
            select(Group.id).where(Group.tenant_id == tenant_id, Group.branch_id.in_(branch_ids))
        )
        return set(rows)
