"""Use cases of lessons. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from crm_contracts.events.journal import LessonCancelled, LessonChanged, LessonScheduled
from crm_contracts.ids import uuid7
from crm_platform.errors import NotFoundError, invalid
from crm_platform.internal_auth import Principal, require_role
from crm_platform.preconditions import check_version
from crm_platform.scope import Scope
from journal_svc.access import WRITERS
from journal_svc.checks import conflict, room_refusal
from journal_svc.context import Context
from journal_svc.domain.timetable import (
    MAX_GENERATED_DAYS,
    MINUTES_PER_DAY,
    Slot,
    Timed,
    clashes,
    format_time,
    generate,
    parse_time,
)
from journal_svc.groups.repository import GroupsRepository
from journal_svc.lessons import schemas
from journal_svc.lessons.repository import LessonsRepository
from journal_svc.marks.core import remove_mark
from journal_svc.models import Group, Lesson
from journal_svc.repository import Repository

MAX_CLASHES_SHOWN = 20


def lesson_read(lesson: Lesson) -> schemas.LessonRead:
    return schemas.LessonRead(
        id=lesson.id,
        group_id=lesson.group_id,
        branch_id=lesson.branch_id,
        lesson_date=lesson.lesson_date,
        starts_at=format_time(lesson.start_minute),
        duration_minutes=lesson.end_minute - lesson.start_minute,
        room_id=lesson.room_id,
        teacher_id=lesson.teacher_id,
        kind=lesson.kind,
        cancelled=lesson.cancelled,
        cancel_reason=lesson.cancel_reason,
        attended=lesson.attended_count,
        marked=lesson.marked_count,
        version=lesson.version,
    )


def check_period(start: date, until: date) -> None:
    if until < start:
        raise invalid("until_date", "until_date is before from_date", "query")
    if (until - start).days >= MAX_GENERATED_DAYS:
        raise invalid("until_date", f"a period is at most {MAX_GENERATED_DAYS} days", "query")


@dataclass
class Lessons:
    ctx: Context

    @property
    def repo(self) -> LessonsRepository:
        return LessonsRepository(self.ctx.session)

    @property
    def shared(self) -> Repository:
        return Repository(self.ctx.session)

    async def _group(
        self, principal: Principal, group_id: uuid.UUID, *, for_update: bool = False
    ) -> Group:
        group = await self.shared.group(principal, group_id, for_update=for_update)
        if group is None:
            raise NotFoundError("group")
        return group

    async def _lesson(
        self, principal: Principal, lesson_id: uuid.UUID, *, for_update: bool = False
    ) -> tuple[Lesson, Group]:
        found = await self.shared.lesson(principal, lesson_id, for_update=for_update)
        if found is None:
            raise NotFoundError("lesson")
        return found

    async def get(self, principal: Principal, lesson_id: uuid.UUID) -> Lesson:
        return (await self._lesson(principal, lesson_id))[0]

    async def in_period(
        self, principal: Principal, group_id: uuid.UUID, start: date, until: date
    ) -> list[Lesson]:
        check_period(start, until)
        group = await self._group(principal, group_id)
        return list(await self.repo.lessons(group.id, start, until))

    async def generate(
        self, principal: Principal, group_id: uuid.UUID, body: schemas.Period
    ) -> tuple[list[Lesson], int]:
        """Lessons from the weekly schedule for a period. Days that already have the lesson
        (even cancelled) are skipped, so generating twice adds nothing."""
        require_role(principal, *WRITERS)
        group = await self._group(principal, group_id, for_update=True)
        if group.archived:
            raise conflict("the group is archived")
        rows = (await GroupsRepository(self.ctx.session).slots([group.id]))[group.id]
        slots = [
            Slot(s.weekday, s.start_minute, s.end_minute, s.room_id, s.teacher_id, s.id)
            for s in rows
        ]
        try:
            planned = generate(
                slots, body.from_date, body.until_date, group.starts_on, group.ends_on
            )
        except ValueError as exc:
            raise invalid("until_date", str(exc)) from None
        existing = await self.repo.starts(group.id, body.from_date, body.until_date)
        new = [p for p in planned if (p.day, p.start_minute) not in existing]
        created = await self._add(group, new, "scheduled")
        return created, len(planned) - len(new)

    async def create(
        self, principal: Principal, group_id: uuid.UUID, body: schemas.LessonCreate
    ) -> Lesson:
        """A one-off lesson: an extra class, a make-up session, a moved date."""
        require_role(principal, *WRITERS)
        group = await self._group(principal, group_id, for_update=True)
        if group.archived:
            raise conflict("the group is archived")
        start = parse_time(body.starts_at)
        end = start + body.duration_minutes
        if end > MINUTES_PER_DAY:
            raise invalid("duration_minutes", "the lesson would end after midnight")
        room_id = body.room_id or group.room_id
        await self._check_room(principal, group, room_id)
        teacher_id = body.teacher_id
        if teacher_id is not None:
            await (await self.ctx.visible(principal)).require("teacher", teacher_id, "teacher_id")
        if teacher_id is None:
            teachers = (await self.shared.teacher_ids([group.id]))[group.id]
            teacher_id = teachers[0] if teachers else None
        timed = Timed(body.lesson_date, start, end, room_id, teacher_id)
        return (await self._add(group, [timed], "one_off"))[0]

    async def update(
        self,
        principal: Principal,
        lesson_id: uuid.UUID,
        body: schemas.LessonUpdate,
        if_match: int | None,
    ) -> Lesson:
        require_role(principal, *WRITERS)
        lesson, group = await self._lesson(principal, lesson_id, for_update=True)
        check_version(lesson.version, if_match)
        if lesson.cancelled:
            raise conflict("the lesson is cancelled")
        changes = body.model_dump(exclude_unset=True)
        start = parse_time(body.starts_at) if body.starts_at else lesson.start_minute
        minutes = body.duration_minutes or lesson.end_minute - lesson.start_minute
        if start + minutes > MINUTES_PER_DAY:
            raise invalid("duration_minutes", "the lesson would end after midnight")
        day = body.lesson_date or lesson.lesson_date
        room_id = changes.get("room_id", lesson.room_id)
        teacher_id = changes.get("teacher_id", lesson.teacher_id)
        if teacher_id is not None and teacher_id != lesson.teacher_id:
            await (await self.ctx.visible(principal)).require("teacher", teacher_id, "teacher_id")
        await self._check_room(principal, group, room_id)
        timed = Timed(day, start, start + minutes, room_id, teacher_id, ref=lesson.id)
        await self._refuse_clashes(group.tenant_id, [timed])
        if day != lesson.lesson_date:
            await self._refuse_moving_marks(lesson)
        old_day, old_teacher = lesson.lesson_date, lesson.teacher_id
        before: dict[str, object] = {
            "lesson_date": lesson.lesson_date,
            "starts_at": lesson.start_minute,
            "duration_minutes": lesson.end_minute - lesson.start_minute,
            "room_id": lesson.room_id,
            "teacher_id": lesson.teacher_id,
        }
        after: dict[str, object] = {
            "lesson_date": day,
            "starts_at": start,
            "duration_minutes": minutes,
            "room_id": room_id,
            "teacher_id": teacher_id,
        }
        changed = [name for name in before if before[name] != after[name]]
        lesson.lesson_date, lesson.start_minute, lesson.end_minute = day, start, start + minutes
        lesson.room_id, lesson.teacher_id = room_id, teacher_id
        lesson.version += 1
        await self.ctx.session.flush()
        if changed:  # the portal's timetable and billing's lesson copy follow the change
            await self.ctx.emit(
                group.tenant_id,
                lesson.id,
                LessonChanged(
                    lesson_id=lesson.id,
                    group_id=group.id,
                    branch_id=group.branch_id,
                    lesson_date=lesson.lesson_date,
                    starts_at=format_time(lesson.start_minute),
                    duration_minutes=lesson.end_minute - lesson.start_minute,
                    teacher_id=lesson.teacher_id,
                    room_id=lesson.room_id,
                    version=lesson.version,
                    changed=changed,
                    previous_lesson_date=old_day if "lesson_date" in changed else None,
                    previous_teacher_id=old_teacher if "teacher_id" in changed else None,
                ),
            )
        return lesson

    async def cancel(
        self, principal: Principal, lesson_id: uuid.UUID, body: schemas.CancelIn
    ) -> Lesson:
        """Cancels a lesson; its marks are removed (each with its event, so billing gives
        back what it took)."""
        require_role(principal, *WRITERS)
        lesson, group = await self._lesson(principal, lesson_id, for_update=True)
        if lesson.cancelled:
            return lesson
        for mark in await self.repo.marks(lesson.id):
            await remove_mark(self.ctx, lesson, group, mark)
        lesson.cancelled, lesson.cancel_reason = True, body.reason
        lesson.version += 1
        await self.ctx.session.flush()
        await self.ctx.emit(
            group.tenant_id,
            lesson.id,
            LessonCancelled(
                lesson_id=lesson.id,
                group_id=group.id,
                branch_id=group.branch_id,
                lesson_date=lesson.lesson_date,
                reason=body.reason,
            ),
        )
        return lesson

    # helpers
    async def _check_room(
        self, principal: Principal, group: Group, room_id: uuid.UUID | None
    ) -> None:
        if room_id is None:
            return
        room = await GroupsRepository(self.ctx.session).room(group.tenant_id, room_id)
        refused = room_refusal(Scope.of(principal), room, group.branch_id)
        if refused is not None:
            raise invalid("room_id", refused)

    async def _refuse_clashes(self, tenant_id: uuid.UUID, new: Sequence[Timed]) -> None:
        if not new:
            return
        await self.ctx.lock(f"timetable:{tenant_id}")
        rooms = {t.room_id for t in new if t.room_id is not None}
        teachers = {t.teacher_id for t in new if t.teacher_id is not None}
        first, last = min(t.day for t in new), max(t.day for t in new)
        busy = await self.repo.busy(tenant_id, rooms, teachers, first, last)
        found = clashes(new, busy)
        if found:
            raise conflict(
                f"{len(found)} clash(es) with other lessons; nothing was added",
                [("lesson", c.reason()) for c in found[:MAX_CLASHES_SHOWN]],
            )

    async def _refuse_moving_marks(self, lesson: Lesson) -> None:
        if await self.repo.marks(lesson.id):
            raise conflict("the lesson has marks; it cannot move to another day")

    async def _add(self, group: Group, new: Sequence[Timed], kind: str) -> list[Lesson]:
        await self._refuse_clashes(group.tenant_id, new)
        now = self.ctx.now()
        lessons = [
            Lesson(
                id=uuid7(),
                tenant_id=group.tenant_id,
                group_id=group.id,
                branch_id=group.branch_id,
                lesson_date=t.day,
                start_minute=t.start_minute,
                end_minute=t.end_minute,
                room_id=t.room_id,
                teacher_id=t.teacher_id,
                slot_id=t.slot_id,
                kind=kind,
                cancelled=False,
                attended_count=0,
                marked_count=0,
                version=1,
                created_at=now,
            )
            for t in new
        ]
        self.ctx.session.add_all(lessons)
        await self.ctx.session.flush()
        for lesson in lessons:
            await self.ctx.emit(
                group.tenant_id,
                lesson.id,
                LessonScheduled(
                    lesson_id=lesson.id,
                    group_id=group.id,
                    branch_id=group.branch_id,
                    lesson_date=lesson.lesson_date,
                    starts_at=format_time(lesson.start_minute),
                    duration_minutes=lesson.end_minute - lesson.start_minute,
                    teacher_id=lesson.teacher_id,
                    room_id=lesson.room_id,
                ),
            )
        return lessons
