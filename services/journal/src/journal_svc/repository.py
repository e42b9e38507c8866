"""Queries every use case shares: scoped lookups of groups and lessons, seats taken, and
where the ids a request names live (Places, for the scope check).

Everything a staff caller reaches goes through `visible_groups`, so another organisation's or
an unseen group's rows are never loaded for them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.internal_auth import Principal
from crm_platform.scope import Place, Visibility
from journal_svc.access import visible_groups
from journal_svc.models import (
    Branch,
    ClientCard,
    Enrolment,
    Group,
    GroupTeacher,
    Lesson,
    Mark,
    StaffGrant,
    StaffMember,
)


def active_on(day: date) -> list[ColumnElement[bool]]:
    """Conditions for an enrolment that covers a day."""
    return [
        Enrolment.from_date <= day,
        or_(Enrolment.until_date.is_(None), Enrolment.until_date >= day),
    ]


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def group(
        self, principal: Principal, group_id: uuid.UUID, *, for_update: bool = False
    ) -> Group | None:
        query = select(Group).where(Group.id == group_id, visible_groups(principal))
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def lesson(
        self, principal: Principal, lesson_id: uuid.UUID, *, for_update: bool = False
    ) -> tuple[Lesson, Group] | None:
        query = (
            select(Lesson, Group)
            .join(Group, Group.id == Lesson.group_id)
            .where(Lesson.id == lesson_id, visible_groups(principal))
        )
        if for_update:
            query = query.with_for_update(of=Lesson)
        row = (await self.session.execute(query)).first()
        return (row[0], row[1]) if row is not None else None

    async def group_of(self, tenant_id: uuid.UUID, group_id: uuid.UUID) -> Group | None:
        """The organisation's group, whoever asks (the caller was checked on its lesson)."""
        group = await self.session.get(Group, group_id)
        return group if group is not None and group.tenant_id == tenant_id else None

    async def lesson_of(
        self, tenant_id: uuid.UUID, lesson_id: uuid.UUID, *, for_update: bool = False
    ) -> tuple[Lesson, Group] | None:
        """The organisation's lesson with its group, whoever asks (the portal's commands)."""
        query = (
            select(Lesson, Group)
            .join(Group, Group.id == Lesson.group_id)
            .where(Lesson.id == lesson_id, Lesson.tenant_id == tenant_id)
        )
        if for_update:
            query = query.with_for_update(of=Lesson)
        row = (await self.session.execute(query)).first()
        return (row[0], row[1]) if row is not None else None

    async def group_any_tenant(self, group_id: uuid.UUID) -> Group | None:
        """Only for the gateway's system lookups, which need the owning tenant."""
        return await self.session.get(Group, group_id)

    async def lesson_any_tenant(self, lesson_id: uuid.UUID) -> Lesson | None:
        return await self.session.get(Lesson, lesson_id)

    async def teacher_ids(self, group_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        out: dict[uuid.UUID, list[uuid.UUID]] = {g: [] for g in group_ids}
        if not group_ids:
            return out
        rows = await self.session.execute(
            select(GroupTeacher.group_id, GroupTeacher.teacher_id)
            .where(GroupTeacher.group_id.in_(group_ids))
            .order_by(GroupTeacher.group_id, GroupTeacher.position)
        )
        for group_id, teacher_id in rows.all():
            out[group_id].append(teacher_id)
        return out

    async def enrolment_on(
        self, group_id: uuid.UUID, client_id: uuid.UUID, day: date
    ) -> Enrolment | None:
        rows = await self.session.execute(
            select(Enrolment)
            .where(
                Enrolment.group_id == group_id, Enrolment.client_id == client_id, *active_on(day)
            )
            .limit(1)
        )
        return rows.scalar_one_or_none()

    async def enrolled_count(self, group_id: uuid.UUID, day: date) -> int:
        rows = await self.session.execute(
            select(func.count())
            .select_from(Enrolment)
            .where(Enrolment.group_id == group_id, *active_on(day))
        )
        return int(rows.scalar_one())

    async def makeup_guests(self, lesson_id: uuid.UUID) -> int:
        """Seats a lesson gives to make-ups (booked ahead or attended), on top of the group's
        enrolled clients."""
        rows = await self.session.execute(
            select(func.count())
            .select_from(Mark)
            .where(Mark.lesson_id == lesson_id, Mark.makeup_of.is_not(None))
        )
        return int(rows.scalar_one())


class Places:
    """Where the ids a request names live, for libs' `Visibility`: a client in its home
    branch and the groups (and their branches) it is enrolled in now; a teacher in the
    branches and groups granted to them and the groups they teach. An id the journal has not
    learnt (never registered, another organisation's) has no place."""

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
