"""Setting and removing one mark: the rules every path that changes a cell goes through
(single marks, bulk marking, cancelling a lesson). Each change emits exactly one event."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError

from crm_contracts.events.journal import AttendanceMarked, AttendanceUnmarked
from crm_contracts.ids import uuid7
from crm_platform.clock import zone_of
from crm_platform.errors import invalid
from journal_svc.checks import conflict
from journal_svc.context import Context
from journal_svc.domain.makeups import Absence, MakeupRefusedError, check_makeup, makeup_until
from journal_svc.domain.marks import counter_change, lesson_start, too_early
from journal_svc.marks.repository import MarksRepository
from journal_svc.models import Group, Lesson, Mark
from journal_svc.repository import Repository


async def set_mark(
    ctx: Context,
    lesson: Lesson,
    group: Group,
    client_id: uuid.UUID,
    status: str,
    makeup_of: uuid.UUID | None,
    by: str,
) -> tuple[Mark, bool]:
    """Sets a cell; returns the mark and whether anything changed (no change, no event).
    The caller holds the lesson's row lock."""
    repo, shared = MarksRepository(ctx.session), Repository(ctx.session)
    if lesson.cancelled:
        raise conflict("the lesson is cancelled")
    await _refuse_before_start(ctx, lesson, group, status)
    existing = await repo.mark(lesson.id, client_id, for_update=True)
    enrolled = await shared.enrolment_on(group.id, client_id, lesson.lesson_date) is not None
    # A make-up is booked ahead as "planned" naming the absence (it holds the seat and uses
    # the absence's make-up), and becomes "makeup_attended" when marked.
    if status == "makeup_attended" or (status == "planned" and makeup_of is not None):
        await _check_makeup(ctx, lesson, group, client_id, makeup_of, existing, enrolled)
    else:
        if makeup_of is not None:
            raise invalid("makeup_of", "only a make-up attendance names the absence it makes up")
        if not enrolled:
            raise conflict(
                f"the client is not enrolled in this group on {lesson.lesson_date.isoformat()}"
            )
    if existing is not None and existing.status == "excused" and status != "excused":
        await _refuse_if_made_up(repo, existing)
    if existing is not None and existing.status == status and existing.makeup_of == makeup_of:
        return existing, False
    until = None
    if status == "excused":
        org = await ctx.organisation(group.tenant_id)
        until = makeup_until(lesson.lesson_date, org.makeup_days)
    previous = existing.status if existing is not None else None
    mark = existing or Mark(
        id=uuid7(),
        tenant_id=group.tenant_id,
        lesson_id=lesson.id,
        group_id=group.id,
        client_id=client_id,
        lesson_date=lesson.lesson_date,
        version=0,
    )
    mark.status, mark.makeup_of, mark.makeup_until = status, makeup_of, until
    mark.marked_by, mark.marked_at = by, ctx.now()
    mark.version += 1
    if existing is None:
        ctx.session.add(mark)
    _count(lesson, previous, status)
    try:
        await ctx.session.flush()
    except IntegrityError:
        # Another request used the same absence or filled the same cell at the same moment.
        raise conflict("the cell or the make-up was changed at the same time; retry") from None
    await ctx.emit(
        group.tenant_id,
        mark.id,
        AttendanceMarked(
            mark_id=mark.id,
            lesson_id=lesson.id,
            group_id=group.id,
            branch_id=group.branch_id,
            client_id=client_id,
            lesson_date=lesson.lesson_date,
            status=status,
            previous_status=previous,
            makeup_of=makeup_of,
            makeup_until=until,
        ),
    )
    return mark, True


async def _refuse_before_start(ctx: Context, lesson: Lesson, group: Group, status: str) -> None:
    org = await ctx.organisation(group.tenant_id)
    starts_at = lesson_start(lesson.lesson_date, lesson.start_minute, zone_of(org.time_zone))
    if too_early(status, starts_at, ctx.now()):
        raise invalid(
            "status",
            f"the lesson has not started yet (it starts {starts_at:%Y-%m-%d %H:%M}); "
            f"{status.replace('_', ' ')} can be marked once it has, planned or excused before",
        )


async def remove_mark(ctx: Context, lesson: Lesson, group: Group, mark: Mark) -> None:
    repo = MarksRepository(ctx.session)
    if mark.status == "excused":
        await _refuse_if_made_up(repo, mark)
    previous = mark.status
    await ctx.session.delete(mark)
    _count(lesson, previous, None)
    await ctx.session.flush()
    await ctx.emit(
        group.tenant_id,
        mark.id,
        AttendanceUnmarked(
            mark_id=mark.id,
            lesson_id=lesson.id,
            group_id=group.id,
            branch_id=group.branch_id,
            client_id=mark.client_id,
            lesson_date=lesson.lesson_date,
            previous_status=previous,
            makeup_of=mark.makeup_of,
        ),
    )


def _count(lesson: Lesson, before: str | None, after: str | None) -> None:
    present, recorded = counter_change(before, after)
    lesson.attended_count += present
    lesson.marked_count += recorded


async def _refuse_if_made_up(repo: MarksRepository, absence: Mark) -> None:
    used = await repo.used_by(absence.id)
    if used is not None:
        raise conflict(
            f"this absence was made up on {used.lesson_date.isoformat()}; remove that make-up first"
        )


async def _check_makeup(
    ctx: Context,
    lesson: Lesson,
    group: Group,
    client_id: uuid.UUID,
    makeup_of: uuid.UUID | None,
    existing: Mark | None,
    enrolled: bool,
) -> None:
    repo, shared = MarksRepository(ctx.session), Repository(ctx.session)
    if makeup_of is None:
        raise invalid("makeup_of", "a make-up names the excused absence it makes up")
    absence = await repo.absence(group.tenant_id, makeup_of)
    if absence is None or absence.client_id != client_id or absence.status != "excused":
        raise invalid("makeup_of", "not an excused absence of this client")
    if absence.makeup_until is None:
        raise conflict("this absence grants no make-up")
    used = await repo.used_by(absence.id)
    used_elsewhere = used is not None and (existing is None or used.id != existing.id)
    try:
        check_makeup(
            Absence(absence.lesson_date, absence.makeup_until, used_elsewhere),
            lesson.lesson_date,
        )
    except MakeupRefusedError as refused:
        raise conflict(str(refused)) from None
    holds_seat = enrolled or (existing is not None and existing.makeup_of is not None)
    if group.capacity is not None and not holds_seat:
        taken = await shared.enrolled_count(group.id, lesson.lesson_date)
        taken += await shared.makeup_guests(lesson.id)
        if taken >= group.capacity:
            raise conflict(f"the lesson is full ({group.capacity} seats)")
