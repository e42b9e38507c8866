"""The period-end job: subscriptions whose period is over start the next one, packs whose
leftover burns expire (rules in domain/period_ends.py, the work in packs/period_ends.py).

Runs in the scheduler's loop before the reminders, so a renewal's due item is reminded
about in the same pass. Each pack is closed in a transaction of its own, on the pack's row
taken with FOR UPDATE SKIP LOCKED: two billing processes share the work, a pack a request
is changing waits for the next pass, and one pack that fails holds up no other. The
(pack, end) row in pack_period_ends commits with the entries and events, so a restart
neither loses nor repeats a renewal or an expiry.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.context import Context
from billing_svc.packs.period_ends import PeriodEnds
from billing_svc.packs.repository import PacksRepository
from billing_svc.readmodels import ReadModels
from crm_messaging import Outbox
from crm_platform.db import Database
from crm_platform.logs import get_logger

log = get_logger(__name__)
BATCH = 200


async def close_periods_once(
    database: Database, outbox: Outbox, clock: Callable[[], datetime]
) -> int:
    """One walk over packs whose end may be over; returns how many ends it closed."""
    closed = 0
    after = uuid.UUID(int=0)
    while True:
        async with database.unit_of_work() as session:
            ids = await _candidates(session, clock, after)
        if not ids:
            return closed
        after = ids[-1]
        for pack_id in ids:
            try:
                async with database.unit_of_work() as session:
                    closed += await _close(Context(session, outbox, clock), pack_id)
            except Exception:
                log.exception("period_end_failed", pack_id=str(pack_id))


async def _candidates(
    session: AsyncSession, clock: Callable[[], datetime], after: uuid.UUID
) -> list[uuid.UUID]:
    # A day of slack for the time zones; the exact day is decided in the pack's organisation.
    tomorrow = clock().astimezone(UTC).date() + timedelta(days=1)
    return await PacksRepository(session).ending_before(tomorrow, after, BATCH)


async def _close(ctx: Context, pack_id: uuid.UUID) -> int:
    pack = await PacksRepository(ctx.session).lock_unless_held(pack_id)
    if pack is None:
        return 0  # locked by another worker or a request: the next pass sees it
    org = await ReadModels(ctx.session).find_organisation(pack.tenant_id)
    if org is None:
        return 0
    return await PeriodEnds(ctx).close(org, pack, ctx.today_in(org))
