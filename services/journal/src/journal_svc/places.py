"""Where the ids a request names live, for libs' `Visibility`: clients, branches, groups and
teachers, from the journal's own tables and its read models of other contexts.

A client lives in its home branch and in the groups (and their branches) it is currently
enrolled in; a teacher in the branches and groups granted to them and the groups they teach.
An id the journal has not learnt (never registered, another organisation's) has no place.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.internal_auth import Principal
from crm_platform.scope import Place, Visibility
from journal_svc.models import (
    Branch,
    ClientCard,
    Enrolment,
    Group,
    GroupTeacher,
    StaffGrant,
    StaffMember,
)


class Places:
    def __init__(self, session: AsyncSession, today: date) -> None:
        self.session = session
        self.today = today

    async def client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Place | None:
        card = await self.session.get(ClientCard, client_id)
        if card is None or card.tenant_id != tenant_id or card.card_at is None:
            return None
        rows = await self.session.execute(
            select(Group.id, Group.branch_id)
            .join(Enrolment, Enrolment.group_id == Group.id)
            .where(
                Enrolment.tenant_id == tenant_id,
                Enrolment.client_id == client_id,
                or_(Enrolment.until_date.is_(None), Enrolment.until_date >= self.today),
            )
        )
        groups = rows.all()
        return Place.of(
            tenant_id, [card.branch_id, *(b for _, b in groups)], (g for g, _ in groups)
        )

    async def branch(self, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> Place | None:
        branch = await self.session.get(Branch, branch_id)
        if branch is None or branch.tenant_id != tenant_id:
            return None
        return Place.of(tenant_id, [branch_id])

    async def group(self, tenant_id: uuid.UUID, group_id: uuid.UUID) -> Place | None:
        group = await self.session.get(Group, group_id)
        if group is None or group.tenant_id != tenant_id:
            return None
        return Place.of(tenant_id, [group.branch_id], [group.id])

    async def teacher(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> Place | None:
        member = await self.session.get(StaffMember, user_id)
        if member is None or member.tenant_id != tenant_id:
            return None
        grants = (
            await self.session.execute(
                select(StaffGrant.scope, StaffGrant.scope_id).where(StaffGrant.user_id == user_id)
            )
        ).all()
        granted_groups = [i for kind, i in grants if kind == "group"]
        taught = select(GroupTeacher.group_id).where(
            GroupTeacher.tenant_id == tenant_id, GroupTeacher.teacher_id == user_id
        )
        groups = (
            await self.session.execute(
                select(Group.id, Group.branch_id).where(
                    Group.tenant_id == tenant_id,
                    or_(Group.id.in_(granted_groups), Group.id.in_(taught)),
                )
            )
        ).all()
        branches = [i for kind, i in grants if kind == "branch"] + [b for _, b in groups]
        return Place.of(tenant_id, branches, [*granted_groups, *(g for g, _ in groups)])

    def visibility(self, principal: Principal) -> Visibility:
        return Visibility(
            principal,
            {
                "client": self.client,
                "branch": self.branch,
                "group": self.group,
                "teacher": self.teacher,
            },
        )
