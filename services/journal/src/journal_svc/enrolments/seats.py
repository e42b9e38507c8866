"""Seats of a group: who holds one, and offering freed seats to the waitlist in order."""

from __future__ import annotations

from datetime import date, timedelta

from crm_contracts.events.journal import WaitlistSeatOffered
from journal_svc.context import Context
from journal_svc.enrolments.repository import EnrolmentsRepository
from journal_svc.models import Group


async def seats_taken(ctx: Context, group: Group, from_day: date) -> int:
    """Enrolments that hold a seat on or after a day, plus seats offered and not yet answered."""
    repo = EnrolmentsRepository(ctx.session)
    return await repo.seat_holders(group.id, from_day) + await repo.offered_count(group.id)


async def offer_free_seats(ctx: Context, group: Group) -> int:
    """Offer each free seat to the next client waiting, in the order they joined the list."""
    if group.archived:
        return 0
    repo = EnrolmentsRepository(ctx.session)
    free: int | None = None
    if group.capacity is not None:
        # A client who leaves today still comes today: the seat is free from tomorrow.
        tomorrow = await ctx.today(group.tenant_id) + timedelta(days=1)
        free = group.capacity - await seats_taken(ctx, group, tomorrow)
        if free <= 0:
            return 0
    now = ctx.now()
    offered = 0
    for entry in await repo.next_waiting(group.id, free):
        entry.status, entry.offered_at = "offered", now
        offered += 1
        await ctx.emit(
            group.tenant_id,
            entry.id,
            WaitlistSeatOffered(
                entry_id=entry.id,
                group_id=group.id,
                branch_id=group.branch_id,
                client_id=entry.client_id,
                group_name=group.name,
            ),
        )
    await ctx.session.flush()
    return offered
