"""An absence reported ahead by the client (the notifications bot): the client's next lesson
that has not started is marked excused, which grants its make-up. Asking again changes
nothing: the same lesson is still the next one and is already excused."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from crm_platform.clock import zone_of
from journal_svc.context import Context
from journal_svc.domain.timetable import format_time
from journal_svc.marks.core import set_mark
from journal_svc.marks.repository import MarksRepository


@dataclass(frozen=True)
class ReportedAbsence:
    lesson_id: uuid.UUID
    group_id: uuid.UUID
    lesson_date: date
    starts_at: str
    makeup_until: date | None
    changed: bool


async def excuse_next_lesson(
    ctx: Context, tenant_id: uuid.UUID, client_id: uuid.UUID
) -> ReportedAbsence | None:
    org = await ctx.organisation(tenant_id)
    local = ctx.now().astimezone(zone_of(org.time_zone))
    today, minute = local.date(), local.hour * 60 + local.minute
    found = await MarksRepository(ctx.session).next_lesson(tenant_id, client_id, today, minute)
    if found is None:
        return None
    lesson, group = found
    mark, changed = await set_mark(ctx, lesson, group, client_id, "excused", None, "client")
    return ReportedAbsence(
        lesson_id=lesson.id,
        group_id=group.id,
        lesson_date=lesson.lesson_date,
        starts_at=format_time(lesson.start_minute),
        makeup_until=mark.makeup_until,
        changed=changed,
    )
