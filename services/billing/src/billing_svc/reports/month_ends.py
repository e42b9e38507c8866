"""The month-end debt job: once a month has closed (domain/month_ends.py), every
organisation's balances at its end are taken once, so that the monthly report reads earlier
months' debt without adding up the whole ledger.

Runs in the scheduler's loop. An organisation is picked when the latest closed month has no
snapshot; its missing months (from the month of its first entry) are taken oldest first,
each in a transaction of its own that inserts the (organisation, month) row first: the
primary key lets one process in, and the balances commit with it. Nothing on the way a
payment is written changes: the job only reads the ledger.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime

from billing_svc.domain.month_ends import (
    counted_until,
    last_closed_month,
    month_end,
    months_between,
)
from billing_svc.reports.repository import ReportsRepository
from crm_platform.db import Database
from crm_platform.logs import get_logger

log = get_logger(__name__)


async def snapshot_debts_once(database: Database, clock: Callable[[], datetime]) -> int:
    """Takes the snapshots due; returns how many months it took."""
    now = clock()
    last = last_closed_month(now)
    async with database.unit_of_work() as session:
        tenants = await ReportsRepository(session).tenants_without(last)
    taken = 0
    for tenant in tenants:
        try:
            taken += await _snapshot_organisation(database, tenant, last, now)
        except Exception:
            log.exception("debt_snapshot_failed", tenant_id=str(tenant))
    return taken


async def _snapshot_organisation(
    database: Database, tenant: uuid.UUID, last: date, now: datetime
) -> int:
    async with database.unit_of_work() as session:
        repo = ReportsRepository(session)
        first = await repo.first_booked(tenant)
        done = set(await repo.snapshots(tenant))
    start = min(first, last) if first is not None else last
    taken = 0
    for month in months_between(start, last):
        if month not in done:
            async with database.unit_of_work() as session:
                taken += await _snapshot(ReportsRepository(session), tenant, month, now)
    return taken


async def _snapshot(repo: ReportsRepository, tenant: uuid.UUID, month: date, now: datetime) -> int:
    until = counted_until(now)
    if not await repo.claim_snapshot(tenant, month, until, now):
        return 0
    balances = await repo.balances_at(tenant, month_end(month), until)
    if balances:
        branches = await repo.client_branches(tenant)
        await repo.add_snapshot_balances(tenant, month, balances, branches)
    return 1
