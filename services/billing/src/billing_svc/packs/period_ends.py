"""The end of a pack's period, as the rules in domain/period_ends.py decide it: a subscription
renews (the period's charge and classes, its invoice with a due item, the leftover burnt or
carried), or a pack whose leftover burns expires.

The period-end job (close_periods_once) runs in the scheduler's pass before the reminders,
so a renewal's due item is reminded about in the same pass. Each pack is closed in a
transaction of its own, on the pack's row taken with FOR UPDATE SKIP LOCKED: two billing
processes share the work, a pack a request is changing waits for the next pass, and one pack
that fails holds up no other.

"Once" is held by the database: each end is closed only in the transaction that inserts
its (pack, ends_on) row into pack_period_ends, whose primary key lets one transaction in; it
commits with the entries and events, so a restart neither loses nor repeats a renewal or an
expiry.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.context import Context
from billing_svc.domain import ledger as rules
from billing_svc.domain.due import due_date
from billing_svc.domain.period_ends import (
    Outcome,
    PeriodEndState,
    client_freeze_in,
    next_period,
    outcome_on,
)
from billing_svc.domain.periods import Freeze, client_frozen_on, frozen_on
from billing_svc.invoices.service import open_invoice
from billing_svc.models import Client, Entry, Organisation, Pack, PeriodEnd
from billing_svc.packs.base import PackReading
from billing_svc.packs.events import history, pack_changed
from billing_svc.packs.life import Life
from billing_svc.packs.repository import PacksRepository
from billing_svc.packs.schemas import FreezeIn
from billing_svc.packs.selling import Selling
from billing_svc.readmodels import ReadModels
from crm_contracts.events.billing import SubscriptionRenewed
from crm_messaging import Outbox
from crm_platform.db import Database
from crm_platform.errors import ProblemError
from crm_platform.logs import get_logger

log = get_logger(__name__)
BATCH = 200
SYSTEM = "system"
RECORDED: dict[Outcome, str] = {"renew": "renewed", "expire": "expired"}


class PeriodEnds:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.packs = PackReading(ctx)
        self.life = Life(ctx)
        self.selling = Selling(ctx)

    async def close(self, org: Organisation, pack: Pack, today: date) -> int:
        """Renews or expires `pack` for each of its ends that is over; returns how many."""
        client = await ReadModels(self.ctx.session).find_client(pack.client_id)
        freezes = [
            Freeze(f.from_date, f.until_date)
            for f in (await self.packs.repo.freezes([pack.id]))[pack.id]
        ]
        frozen = client_frozen_on(today, client) or frozen_on(today, freezes)
        closed = 0
        while pack.ends_on is not None:
            state = PeriodEndState(
                kind=pack.kind,
                status=pack.status,
                ends_on=pack.ends_on,
                period_unit=pack.period_unit,  # type: ignore[arg-type]
                period_count=pack.period_count,
                auto_renew=pack.auto_renew,
                leftover=pack.leftover,
                classes_left=pack.classes_left,
                client_archived=client is not None and client.status == "archived",
                frozen=frozen,
            )
            outcome = outcome_on(state, today)
            if outcome is None:
                break
            row = await self.packs.repo.claim_period_end(
                pack, pack.ends_on, RECORDED[outcome], self.ctx.now()
            )
            if row is None:
                break  # this end was closed before (its end date was later moved back)
            if outcome == "expire":
                await self._expire(org, pack, row)
                return closed + 1
            start, end = await self._renew(org, pack, row)
            if client is not None:
                await self._freeze_with_client(pack, client, start, end)
            closed += 1
        return closed

    async def _burn(self, org: Organisation, pack: Pack, left: int, booked_on: date) -> Entry:
        # No comment: the entry's kind says what happened, in the reader's language.
        return await self.packs.ledger.record(
            org,
            "expire",
            rules.expire_classes(pack.id, left),
            booked_on=booked_on,
            by=SYSTEM,
            client_id=pack.client_id,
            pack_id=pack.id,
            classes=left,
        )

    async def _expire(self, org: Organisation, pack: Pack, row: PeriodEnd) -> None:
        assert pack.ends_on is not None
        left = pack.classes_left or 0
        burn = await self._burn(org, pack, left, pack.ends_on + timedelta(days=1))
        row.expire_entry_id, row.classes_expired = burn.id, left
        pack.status = "expired"
        pack.version += 1
        await self.ctx.session.flush()
        await pack_changed(
            self.ctx, pack, "expired", by=SYSTEM, entry_id=burn.id, classes_delta=-left
        )

    async def _freeze_with_client(self, pack: Pack, client: Client, start: date, end: date) -> None:
        freeze = client_freeze_in(start, end, client.frozen_from, client.frozen_until)
        if freeze is None:
            return
        body = FreezeIn(from_date=freeze.from_date, until_date=freeze.until_date)
        # A freeze the pack already has on some of those days stands (as for the client's
        # other packs); freeze() refuses before it writes anything.
        with contextlib.suppress(ProblemError):
            await self.life.freeze(
                None, pack.client_id, pack.id, body, tenant=pack.tenant_id, source="client"
            )

    async def _renew(self, org: Organisation, pack: Pack, row: PeriodEnd) -> tuple[date, date]:
        """Starts the period after the pack's end; returns its first and last day."""
        assert pack.ends_on is not None
        assert pack.period_unit is not None
        assert pack.period_count is not None
        start, end = next_period(pack.ends_on, pack.period_unit, pack.period_count)  # type: ignore[arg-type]
        left = pack.classes_left or 0
        burnt = left if pack.leftover == "burn" else 0
        if burnt:
            burn = await self._burn(org, pack, burnt, start)
            row.expire_entry_id, row.classes_expired = burn.id, burnt
            await history(self.ctx, pack, "leftover_burnt", by=SYSTEM, entry_id=burn.id)
        classes = pack.period_classes if pack.classes_total is not None else None
        if classes is not None:
            pack.classes_total = left - burnt + classes
        # The period as ISO dates, no words: the ledger shows comments as written.
        charge = await self.selling.record_sale(
            org,
            pack,
            SYSTEM,
            pack.price_minor,
            classes,
            start,
            f"{start} \u2013 {end}",
        )
        due_on = due_date(
            kind=pack.kind,
            billing=pack.billing,  # type: ignore[arg-type]
            starts_on=start,
            ends_on=end,
            credit_due_on=None,
        )
        invoice = None
        if pack.price_minor > 0:
            invoice = await open_invoice(
                self.ctx,
                org,
                client_id=pack.client_id,
                pack_id=pack.id,
                description=pack.name,
                period=(start, end),
                amount_minor=pack.price_minor,
                due_on=due_on,
                due_kind="postpaid" if pack.billing == "postpaid" else "prepaid",
            )
        row.next_ends_on = end
        row.charge_entry_id = charge.id if charge else None
        row.invoice_id = invoice.id if invoice else None
        pack.ends_on = end
        pack.version += 1
        await self.ctx.session.flush()
        await pack_changed(
            self.ctx,
            pack,
            "extended",
            recorded_as="renewed",
            by=SYSTEM,
            entry_id=row.charge_entry_id,
            classes_delta=(classes or 0) - burnt,
            period_starts_on=start.isoformat(),
            period_ends_on=end.isoformat(),
            invoice_id=row.invoice_id,
        )
        await self.ctx.emit(
            org.id,
            pack.id,
            SubscriptionRenewed(
                pack_id=pack.id,
                client_id=pack.client_id,
                name=pack.name,
                period_starts_on=start,
                period_ends_on=end,
                billing=pack.billing,
                amount_minor=pack.price_minor,
                currency=org.currency,
                entry_id=row.charge_entry_id,
                invoice_id=row.invoice_id,
                due_on=due_on if invoice else None,
                classes_issued=classes or 0,
                classes_expired=burnt,
            ),
        )
        return start, end


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
