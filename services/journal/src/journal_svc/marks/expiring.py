"""Make-ups about to expire: once per excused absence whose make-up is unused, `notice_days`
before its window closes (where the organisation is), journal.makeup_expiring is published
so that notifications can remind the client.

"Once" is held by the database: the event is written in the transaction that inserts the
absence's makeup_notices row, whose primary key lets one transaction in, so a restart or a
second journal process never announces an absence twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from crm_contracts.events.journal import MakeupExpiring
from crm_messaging import Outbox
from crm_platform.db import Database
from crm_platform.periodic import PeriodicJob
from journal_svc.context import Context
from journal_svc.marks.repository import MarksRepository

BATCH = 200


async def announce_once(
    database: Database, outbox: Outbox, clock: Callable[[], datetime], notice_days: int
) -> int:
    """One pass: the absences announced."""
    now = clock()
    # organisations are at most a day ahead of UTC: look a day further, check each locally
    horizon = now.date() + timedelta(days=notice_days + 1)
    announced = 0
    async with database.unit_of_work() as session:
        ctx = Context(session, outbox, clock)
        repo = MarksRepository(session)
        found = await repo.expiring(horizon, now.date() - timedelta(days=1), BATCH)
        for mark, branch_id in found:
            today = await ctx.today(mark.tenant_id)
            assert mark.makeup_until is not None
            if not (today <= mark.makeup_until <= today + timedelta(days=notice_days)):
                continue
            if not await repo.claim_notice(mark, now):
                continue
            await ctx.emit(
                mark.tenant_id,
                mark.id,
                MakeupExpiring(
                    mark_id=mark.id,
                    client_id=mark.client_id,
                    group_id=mark.group_id,
                    branch_id=branch_id,
                    lesson_date=mark.lesson_date,
                    makeup_until=mark.makeup_until,
                ),
            )
            announced += 1
    return announced


def expiring_makeups_job(
    database: Database,
    outbox: Outbox,
    clock: Callable[[], datetime],
    notice_days: int,
    poll_seconds: float,
) -> PeriodicJob:
    async def run_once() -> int:
        await announce_once(database, outbox, clock, notice_days)
        return 0  # the next pass waits for the next tick

    return PeriodicJob("makeup_expiry_notices", run_once, poll_seconds)
