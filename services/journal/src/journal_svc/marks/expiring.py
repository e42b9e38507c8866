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

from sqlalchemy import and_, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from crm_contracts.events.journal import MakeupExpiring
from crm_messaging import Outbox
from crm_platform.db import Database
from crm_platform.periodic import PeriodicJob
from journal_svc.context import Context
from journal_svc.models import Group, MakeupNotice, Mark

BATCH = 200


async def announce_once(
    database: Database, outbox: Outbox, clock: Callable[[], datetime], notice_days: int
) -> int:
    """One pass: the absences announced."""
    now = clock()
    # organisations are at most a day ahead of UTC: look a day further, check each locally
    horizon = now.date() + timedelta(days=notice_days + 1)
    used = aliased(Mark)
    announced = 0
    async with database.unit_of_work() as session:
        ctx = Context(session, outbox, clock)
        found = await session.execute(
            select(Mark, Group.branch_id)
            .join(Group, Group.id == Mark.group_id)
            .where(
                Mark.status == "excused",
                Mark.makeup_until.is_not(None),
                Mark.makeup_until <= horizon,
                Mark.makeup_until >= now.date() - timedelta(days=1),
                ~exists().where(MakeupNotice.mark_id == Mark.id),
                ~exists().where(and_(used.makeup_of == Mark.id)),
            )
            .order_by(Mark.makeup_until)
            .limit(BATCH)
        )
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        for mark, branch_id in found.all():
            today = await ctx.today(mark.tenant_id)
            assert mark.makeup_until is not None
            if not (today <= mark.makeup_until <= today + timedelta(days=notice_days)):
                continue
            claimed = await session.execute(
                insert(MakeupNotice)
                .values(mark_id=mark.id, tenant_id=mark.tenant_id, noticed_at=now)
                .on_conflict_do_nothing()
                .returning(MakeupNotice.mark_id)
            )
            if claimed.scalar_one_or_none() is None:
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
