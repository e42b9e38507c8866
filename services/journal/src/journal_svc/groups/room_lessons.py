"""A room's timetable: the lessons held in it over a period, for the groups the caller sees."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from crm_platform.errors import NotFoundError
from crm_platform.internal_auth import Principal
from crm_platform.scope import Scope
from journal_svc.access import tenant_of
from journal_svc.context import Context
from journal_svc.groups import schemas
from journal_svc.groups.repository import GroupsRepository
from journal_svc.lessons.service import check_period, lesson_read


@dataclass
class RoomLessons:
    ctx: Context

    async def in_period(
        self, principal: Principal, room_id: uuid.UUID, start: date, until: date
    ) -> list[schemas.RoomLesson]:
        """The room's lessons (cancelled ones too, flagged), earliest first. A room is seen
        by whoever sees its branch or a group of that branch, as in the list of rooms."""
        check_period(start, until)
        repo = GroupsRepository(self.ctx.session)
        room = await repo.room(tenant_of(principal), room_id)
        if room is None or not await self._sees(principal, room.branch_id):
            raise NotFoundError("room")
        rows = await repo.room_lessons(principal, room, start, until)
        return [
            schemas.RoomLesson(**lesson_read(lesson).model_dump(), group_name=name)
            for lesson, name in rows
        ]

    async def _sees(self, principal: Principal, branch_id: uuid.UUID) -> bool:
        if Scope.of(principal).sees_branch(branch_id):
            return True
        return await GroupsRepository(self.ctx.session).sees_a_group_in(principal, branch_id)
