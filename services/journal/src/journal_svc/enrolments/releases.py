"""Seats freed by enrolments reaching their until-date, offered to the waitlist.

Archiving or transferring a client offers the seat at once when it is free from tomorrow;
an enrolment that ends later (an until-date set in advance, an archive dated ahead) frees
its seat only when that day comes, with no request to react to. This job, beside the app
like the relay and the consumer, finds such enrolments and offers each freed seat once.

"Once" is held by the database, not by timing: each enrolment is handled in one transaction
that locks its group and inserts its seat_releases row, whose primary key lets one
transaction in; the offers' outbox rows commit with that row, so a restart neither loses nor
repeats an offer, and two journal processes share the work without offering a seat twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from crm_messaging import Outbox
from crm_platform.db import Database
from crm_platform.logs import get_logger
from journal_svc.context import Context
from journal_svc.enrolments.repository import EnrolmentsRepository
from journal_svc.enrolments.seats import offer_free_seats

log = get_logger(__name__)
BATCH = 100


async def _release(
    database: Database,
    outbox: Outbox,
    clock: Callable[[], datetime],
    enrolment_id: uuid.UUID,
    group_id: uuid.UUID,
) -> int | None:
    """Offers what one ended enrolment freed; None when it is not yet over where the
    organisation is, or another run has already handled it."""
    async with database.unit_of_work() as session:
        ctx = Context(session, outbox, clock)
        repo = EnrolmentsRepository(session)
        group = await repo.group_for_update(group_id)  # one offerer per group at a time
        enrolment = await repo.enrolment_by_id(enrolment_id)
        if group is None or enrolment is None or enrolment.tenant_id != group.tenant_id:
            return None
        today = await ctx.today(group.tenant_id)
        # A client leaving today still comes today: the seat is free from tomorrow, as
        # offer_free_seats counts it.
        if enrolment.until_date is None or enrolment.until_date > today:
            return None
        release = await repo.claim_release(enrolment, today, ctx.now())
        if release is None:
            return None
        release.offered = await offer_free_seats(ctx, group)
        await session.flush()
        return release.offered


async def run_once(database: Database, outbox: Outbox, clock: Callable[[], datetime]) -> int:
    """One pass: the seats offered."""
    # Organisations are at most a day ahead of UTC: look one day further and let each
    # enrolment be checked against its own organisation's today.
    horizon = clock().date() + timedelta(days=1)
    offered = 0
    skipped: set[uuid.UUID] = set()
    while True:
        async with database.unit_of_work() as session:
            found = await EnrolmentsRepository(session).ended_unseen(horizon, BATCH + len(skipped))
        batch = [(e, g) for e, g, _ in found if e not in skipped]
        if not batch:
            return offered
        for enrolment_id, group_id in batch:
            result = await _release(database, outbox, clock, enrolment_id, group_id)
            if result is None:
                skipped.add(enrolment_id)
            else:
                offered += result


class SeatReleases:
    """Runs beside the app (a Component): a pass at start, then every `poll_seconds`."""

    name = "seat_releases"

    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        clock: Callable[[], datetime],
        poll_seconds: float,
    ) -> None:
        self.database = database
        self.outbox = outbox
        self.clock = clock
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            try:
                offered = await run_once(self.database, self.outbox, self.clock)
                if offered:
                    log.info("waitlist_seats_offered", offered=offered)
            except Exception:
                log.exception("seat_releases_failed")
            await asyncio.sleep(self.poll_seconds)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def ready(self) -> None:
        if self._task is None or self._task.done():
            raise RuntimeError("the seat release job is not running")
