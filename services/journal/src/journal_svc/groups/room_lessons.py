"""A room's timetable: the lessons held in it over a period, for the groups the caller sees."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from crm_platform.errors import NotFoundError
from crm_platform.internal_auth import Principal
from crm_platform.scope import Scope
from journal_svc.access import tenant_of, visible_groups
from journal_svc.context import Context
from journal_svc.groups import schemas
from journal_svc.groups.repository import GroupsRepository
from journal_svc.lessons.service import check_period, lesson_read
from journal_svc.models import Group, Lesson


@dataclass
class RoomLessons:
    ctx: Context

    async def in_period(
        self, principal: Principal, room_id: uuid.UUID, start: date, until: date
    ) -> list[schemas.RoomLesson]:
        """The room's lessons (cancelled ones too, flagged), earliest first. A room is seen
        by whoever sees its branch or a group of that branch, as in the list of rooms."""
        check_period(start, until)
        room = await GroupsRepository(self.ctx.session).room(tenant_of(principal), room_id)
        if room is None or not await self._sees(principal, room.branch_id):
            raise NotFoundError("room")
        rows = await self.ctx.session.execute(
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
        return [
            schemas.RoomLesson(**lesson_read(lesson).model_dump(), group_name=name)
            for lesson, name in rows.all()
        ]

    async def _sees(self, principal: Principal, branch_id: uuid.UUID) -> bool:
        if Scope.of(principal).sees_branch(branch_id):
            return True
        seen = await self.ctx.session.execute(
            select(Group.id).where(Group.branch_id == branch_id, visible_groups(principal)).limit(1)
        )
        return seen.first() is not None
