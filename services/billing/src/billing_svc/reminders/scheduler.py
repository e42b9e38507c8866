"""The scheduler: each pass first ends packs' periods that are over (renewals and expiry,
packs/period_ends.py), then sends the reminders, then takes the month-end debt snapshots due
(reports/month_ends.py).

Reminders: billing.payment_due_soon and billing.payment_overdue once per due item, and
billing.pack_expiring and billing.pack_running_low once per pack and condition.

"Once" is held by the database, not by timing: a reminder is sent only in the transaction
that inserts its (due item, notice) row, whose primary key lets one transaction in; due
items are picked with FOR UPDATE SKIP LOCKED so two billing processes share the work; the
outbox row commits with the notice row, so a restart neither loses nor repeats one.
Nothing is sent while the client or the pack is frozen, nor once the item is paid. Pack
reminders are held the same way by (pack, notice) rows; packs are not locked (requests keep
using them), the notice row's primary key alone lets one reminder through.

The job runs every `reminder_poll_seconds` and at once when a due item is created here.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.context import REMINDERS_CHANNEL, Context
from billing_svc.domain.due import DueState, notices_due
from billing_svc.domain.pack_notices import PackState, pack_notices_due
from billing_svc.domain.periods import Freeze, client_frozen_on, frozen_on
from billing_svc.invoices.repository import InvoicesRepository
from billing_svc.invoices.service import pack_share
from billing_svc.ledger.repository import LedgerRepository
from billing_svc.models import (
    NO_END,
    DueItem,
    Pack,
)
from billing_svc.packs.period_ends import close_periods_once
from billing_svc.packs.repository import PacksRepository
from billing_svc.readmodels import ReadModels
from billing_svc.reports.month_ends import snapshot_debts_once
from crm_contracts.events.billing import (
    PackExpiring,
    PackRunningLow,
    PaymentDueSoon,
    PaymentOverdue,
)
from crm_messaging import Outbox
from crm_platform.db import Database
from crm_platform.logs import get_logger
from crm_platform.periodic import PeriodicJob

log = get_logger(__name__)


class _HasId(Protocol):
    id: uuid.UUID


R = TypeVar("R", bound=_HasId)
BATCH = 200


async def _pack_frozen(session: AsyncSession, pack_id: uuid.UUID | None, today: date) -> bool:
    if pack_id is None:
        return False
    freezes = (await PacksRepository(session).freezes([pack_id]))[pack_id]
    return frozen_on(today, [Freeze(f.from_date, f.until_date) for f in freezes])


async def run_once(database: Database, outbox: Outbox, clock: Callable[[], datetime]) -> int:
    """One pass: ends the periods that are over, then reminds about due items and packs,
    then takes the month-end debt snapshots due; returns how many reminders
    it sent."""
    await close_periods_once(database, outbox, clock)
    sent = await _due_items_once(database, outbox, clock) + await _packs_once(
        database, outbox, clock
    )
    await snapshot_debts_once(database, clock)
    return sent


async def _in_batches(
    database: Database,
    outbox: Outbox,
    clock: Callable[[], datetime],
    candidates: Callable[[AsyncSession, Callable[[], datetime], uuid.UUID], Awaitable[list[R]]],
    remind: Callable[[Context, R], Awaitable[int]],
) -> int:
    """Walk the candidates in id order, one transaction per batch; returns reminders sent."""
    sent = 0
    after = uuid.UUID(int=0)
    while True:
        async with database.unit_of_work() as session:
            rows = await candidates(session, clock, after)
            if not rows:
                return sent
            after = rows[-1].id
            ctx = Context(session, outbox, clock)
            for row in rows:
                sent += await remind(ctx, row)


async def _due_items_once(database: Database, outbox: Outbox, clock: Callable[[], datetime]) -> int:
    return await _in_batches(database, outbox, clock, _candidates, _remind)


async def _candidates(
    session: AsyncSession, clock: Callable[[], datetime], after: uuid.UUID
) -> list[DueItem]:
    # A day of slack either way covers every organisation's time zone; the exact day is
    # decided per item in its organisation's calendar.
    tomorrow = clock().astimezone(UTC).date() + timedelta(days=1)
    return await InvoicesRepository(session).due_to_remind(tomorrow, after, BATCH)


async def _remind(ctx: Context, item: DueItem) -> int:
    session, clock = ctx.session, ctx.clock
    org = await ReadModels(session).find_organisation(item.tenant_id)
    if org is None:
        return 0
    today = ctx.today_in(org)
    ledger = LedgerRepository(session)
    paid = await ledger.allocated_to(org.id, item.invoice_id) if item.invoice_id else 0
    # A pack's payments settle its sale's and extensions' due items oldest first.
    paid += await pack_share(session, org.id, item)
    balance = await ledger.balance(org.id, item.client_id)
    if paid >= item.amount_minor or balance >= 0:
        item.settled_at = clock()
        return 0
    sent_before = await InvoicesRepository(session).notices_sent(item.id)
    state = DueState(
        due_on=item.due_on,
        settled=False,
        frozen=client_frozen_on(today, await ReadModels(session).find_client(item.client_id))
        or await _pack_frozen(session, item.pack_id, today),
        soon_sent="due_soon" in sent_before,
        overdue_sent="overdue" in sent_before,
    )
    sent = 0
    for notice in notices_due(state, today, org.due_soon_days):
        if not await InvoicesRepository(session).claim_notice(item.id, notice, clock()):
            continue
        payload_type = PaymentDueSoon if notice == "due_soon" else PaymentOverdue
        await ctx.emit(
            org.id,
            item.id,
            payload_type(
                due_item_id=item.id,
                client_id=item.client_id,
                kind=item.kind,
                pack_id=item.pack_id,
                invoice_id=item.invoice_id,
                due_on=item.due_on,
                amount_minor=item.amount_minor,
                currency=org.currency,
                balance_minor=balance,
            ),
        )
        sent += 1
    return sent


# --- packs: about to expire, few classes left ----------------------------------------------


async def _packs_once(database: Database, outbox: Outbox, clock: Callable[[], datetime]) -> int:
    return await _in_batches(database, outbox, clock, _pack_candidates, _remind_pack)


async def _pack_candidates(
    session: AsyncSession, clock: Callable[[], datetime], after: uuid.UUID
) -> list[Pack]:
    # A day of slack either way for the time zones; the lead time is the organisation's.
    today = clock().astimezone(UTC).date()
    return await PacksRepository(session).to_remind(today, after, BATCH)


async def _remind_pack(ctx: Context, pack: Pack) -> int:
    session, clock = ctx.session, ctx.clock
    org = await ReadModels(session).find_organisation(pack.tenant_id)
    if org is None:
        return 0
    today = ctx.today_in(org)
    period_end = pack.ends_on or NO_END
    sent_before = await PacksRepository(session).notices_sent(pack.id, period_end)
    state = PackState(
        active=pack.status == "active",
        starts_on=pack.starts_on,
        ends_on=pack.ends_on,
        classes_total=pack.classes_total,
        classes_left=pack.classes_left,
        frozen=client_frozen_on(today, await ReadModels(session).find_client(pack.client_id))
        or await _pack_frozen(session, pack.id, today),
        expiring_sent="expiring" in sent_before,
        running_low_sent="running_low" in sent_before,
        renews=await _renews(session, pack),
    )
    sent = 0
    for notice in pack_notices_due(state, today, org.due_soon_days):
        if not await PacksRepository(session).claim_notice(pack, notice, period_end, clock()):
            continue
        payload_type = PackExpiring if notice == "expiring" else PackRunningLow
        await ctx.emit(
            org.id,
            pack.id,
            payload_type(
                pack_id=pack.id,
                client_id=pack.client_id,
                name=pack.name,
                ends_on=pack.ends_on,
                classes_total=pack.classes_total,
                classes_left=pack.classes_left,
            ),
        )
        sent += 1
    return sent


async def _renews(session: AsyncSession, pack: Pack) -> bool:
    """As packs/period_ends.py decides: a subscription renewing by itself, of a client kept."""
    if pack.kind != "subscription" or not pack.auto_renew:
        return False
    client = await ReadModels(session).find_client(pack.client_id)
    return client is None or client.status != "archived"


class ReminderScheduler:
    """Runs beside the app (a Component): a pass every `poll_seconds`, and at once when a
    transaction that created a due item commits (Context.wake_reminders)."""

    name = "reminders"
    advisory = True

    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        clock: Callable[[], datetime],
        poll_seconds: float,
    ) -> None:
        self.job = PeriodicJob(
            self.name,
            lambda: run_once(database, outbox, clock),
            poll_seconds,
            wake_on=REMINDERS_CHANNEL,
        )

    async def start(self) -> None:
        await self.job.start()

    async def stop(self) -> None:
        await self.job.stop()

    async def ready(self) -> None:
        await self.job.ready()
