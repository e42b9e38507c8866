"""Make-ups booked from the client portal: the portal's commands, answered by events.

A booking is a "planned" mark naming the excused absence it makes up: it holds a seat in the
lesson (the lesson's row lock serialises bookings, and the count includes booked make-ups) and
uses the absence's make-up (one mark per absence, by a unique constraint). It becomes
"makeup_attended" when staff mark it; cancelling removes it, freeing both."""

from __future__ import annotations

import uuid

from crm_contracts.events.journal import MakeupBookingDecided
from crm_contracts.events.portal import MakeupCancelRequested, MakeupRequested
from crm_platform.errors import ProblemError
from journal_svc.context import Context
from journal_svc.marks.core import remove_mark, set_mark
from journal_svc.marks.repository import MarksRepository
from journal_svc.repository import Repository

PORTAL = "portal"


async def book(ctx: Context, tenant_id: uuid.UUID, command: MakeupRequested) -> None:
    answer = MakeupBookingDecided(
        request_id=command.request_id,
        client_id=command.client_id,
        absence_mark_id=command.absence_mark_id,
        lesson_id=command.lesson_id,
        outcome="refused",
    )
    found = await Repository(ctx.session).lesson_of(tenant_id, command.lesson_id, for_update=True)
    if found is None:
        answer = answer.model_copy(update={"reason": "no such lesson"})
    else:
        lesson, group = found
        existing = await MarksRepository(ctx.session).mark(lesson.id, command.client_id)
        try:
            if lesson.lesson_date < await ctx.today(group.tenant_id):
                raise ProblemError(409, "Conflict", "the lesson is over")
            if existing is not None and existing.makeup_of != command.absence_mark_id:
                raise ProblemError(409, "Conflict", "the client already has a mark in this lesson")
            async with ctx.session.begin_nested():
                mark, _ = await set_mark(
                    ctx,
                    lesson,
                    group,
                    command.client_id,
                    "planned",
                    command.absence_mark_id,
                    PORTAL,
                )
            answer = answer.model_copy(update={"outcome": "booked", "mark_id": mark.id})
        except ProblemError as refused:
            answer = answer.model_copy(update={"reason": refused.detail})
    await ctx.emit(tenant_id, command.request_id, answer)


async def cancel(ctx: Context, tenant_id: uuid.UUID, command: MakeupCancelRequested) -> None:
    answer = MakeupBookingDecided(
        request_id=command.request_id,
        client_id=command.client_id,
        absence_mark_id=command.absence_mark_id,
        lesson_id=command.lesson_id,
        outcome="refused",
    )
    found = await Repository(ctx.session).lesson_of(tenant_id, command.lesson_id, for_update=True)
    mark = None
    if found is not None:
        mark = await MarksRepository(ctx.session).mark(
            found[0].id, command.client_id, for_update=True
        )
    if found is None or mark is None or mark.makeup_of != command.absence_mark_id:
        answer = answer.model_copy(update={"reason": "no such booked make-up"})
    elif mark.status != "planned":
        answer = answer.model_copy(update={"reason": "the make-up has already been marked"})
    else:
        await remove_mark(ctx, found[0], found[1], mark)
        answer = answer.model_copy(update={"outcome": "cancelled", "mark_id": mark.id})
    await ctx.emit(tenant_id, command.request_id, answer)
