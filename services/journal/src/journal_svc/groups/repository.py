"""Queries of groups, their schedules and teachers, rooms and settings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.internal_auth import Principal
from crm_platform.pagination import keyset
from journal_svc.access import tenant_of, visible_groups
from journal_svc.domain.timetable import Slot
from journal_svc.models import Group, GroupTeacher, Lesson, Room, ScheduleSlot


class GroupsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def groups(
        self,
        principal: Principal,
        *,
        branch_id: uuid.UUID | None,
        teacher_id: uuid.UUID | None,
        archived: bool | None,
        cursor: str | None,
        limit: int,
    ) -> Sequence[Group]:
        query = select(Group).where(visible_groups(principal))
        if branch_id is not None:
            query = query.where(Group.branch_id == branch_id)
        if archived is not None:
            query = query.where(Group.archived.is_(archived))
        if teacher_id is not None:
            query = query.where(
                Group.id.in_(
                    select(GroupTeacher.group_id).where(GroupTeacher.teacher_id == teacher_id)
                )
            )
        rows = await self.session.execute(keyset(query, Group.id, cursor, limit))
        return list(rows.scalars().all())

    async def slots(self, group_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ScheduleSlot]]:
        out: dict[uuid.UUID, list[ScheduleSlot]] = {g: [] for g in group_ids}
        if not group_ids:
            return out
        rows = await self.session.execute(
            select(ScheduleSlot)
            .where(ScheduleSlot.group_id.in_(group_ids))
            .order_by(ScheduleSlot.weekday, ScheduleSlot.start_minute)
        )
        for slot in rows.scalars().all():
            out[slot.group_id].append(slot)
        return out

    async def replace_slots(
        self, tenant_id: uuid.UUID, group_id: uuid.UUID, slots: Sequence[Slot]
    ) -> None:
        await self.session.execute(delete(ScheduleSlot).where(ScheduleSlot.group_id == group_id))
        self.session.add_all(
            ScheduleSlot(
                id=slot.slot_id,
                tenant_id=tenant_id,
                group_id=group_id,
                weekday=slot.weekday,
                start_minute=slot.start_minute,
                end_minute=slot.end_minute,
                room_id=slot.room_id,
                teacher_id=slot.teacher_id,
            )
            for slot in slots
        )
        await self.session.flush()

    async def replace_teachers(
        self, tenant_id: uuid.UUID, group_id: uuid.UUID, teacher_ids: Sequence[uuid.UUID]
    ) -> None:
        await self.session.execute(delete(GroupTeacher).where(GroupTeacher.group_id == group_id))
        self.session.add_all(
            GroupTeacher(group_id=group_id, teacher_id=t, tenant_id=tenant_id, position=i)
            for i, t in enumerate(teacher_ids)
        )
        await self.session.flush()

    async def other_slots(
        self,
        tenant_id: uuid.UUID,
        group_id: uuid.UUID | None,
        room_ids: set[uuid.UUID],
        teacher_ids: set[uuid.UUID],
    ) -> list[tuple[Slot, date, date | None]]:
        """Weekly slots of the organisation's other active groups using these rooms or teachers."""
        if not room_ids and not teacher_ids:
            return []
        uses = []
        if room_ids:
            uses.append(ScheduleSlot.room_id.in_(room_ids))
        if teacher_ids:
            uses.append(ScheduleSlot.teacher_id.in_(teacher_ids))
        query = (
            select(ScheduleSlot, Group.starts_on, Group.ends_on)
            .join(Group, Group.id == ScheduleSlot.group_id)
            .where(ScheduleSlot.tenant_id == tenant_id, Group.archived.is_(False), or_(*uses))
        )
        if group_id is not None:
            query = query.where(ScheduleSlot.group_id != group_id)
        rows = await self.session.execute(query)
        return [
            (
                Slot(s.weekday, s.start_minute, s.end_minute, s.room_id, s.teacher_id, s.id),
                starts_on,
                ends_on,
            )
            for s, starts_on, ends_on in rows.all()
        ]

    async def move_lessons(self, group_id: uuid.UUID, branch_id: uuid.UUID) -> None:
        await self.session.execute(
            update(Lesson).where(Lesson.group_id == group_id).values(branch_id=branch_id)
        )

    # rooms
    async def room_lessons(
        self, principal: Principal, room: Room, start: date, until: date
    ) -> list[tuple[Lesson, str]]:
        """The lessons held in the room over the period in groups the caller sees, each with
        its group's name, earliest first."""
        rows = await self.session.execute(
            select(Lesson, Group.name)
            .join(Group, Group.id == Lesson.group_id)
            .where(
                Lesson.tenant_id == room.tenant_id,
                Lesson.room_id == room.id,
                Lesson.lesson_date >= start,
                Lesson.lesson_date <= until,
                visible_groups(principal),
            )
            .order_by(Lesson.lesson_date, Lesson.start_minute, Lesson.id)
        )
        return [(lesson, name) for lesson, name in rows.all()]

    async def sees_a_group_in(self, principal: Principal, branch_id: uuid.UUID) -> bool:
        seen = await self.session.execute(
            select(Group.id).where(Group.branch_id == branch_id, visible_groups(principal)).limit(1)
        )
        return seen.first() is not None

    async def room(self, tenant_id: uuid.UUID, room_id: uuid.UUID) -> Room | None:
        room = await self.session.get(Room, room_id)
        return room if room is not None and room.tenant_id == tenant_id else None

    async def rooms(
        self,
        principal: Principal,
        branch_id: uuid.UUID | None,
        cursor: str | None,
        limit: int,
    ) -> Sequence[Room]:
        query = select(Room).where(Room.tenant_id == tenant_of(principal))
        if not principal.all_branches:
            seen_branches = select(Group.branch_id).where(visible_groups(principal))
            query = query.where(
                or_(Room.branch_id.in_(principal.branch_ids), Room.branch_id.in_(seen_branches))
            )
        if branch_id is not None:
            query = query.where(Room.branch_id == branch_id)
        rows = await self.session.execute(keyset(query, Room.id, cursor, limit))
        return list(rows.scalars().all())
