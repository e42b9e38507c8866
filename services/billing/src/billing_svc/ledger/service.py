"""Ledger use cases: recording entries (every money or class movement goes through here),
payments, cancelling by reversal, balances and the client's ledger. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from billing_svc.access import branch_scope, can_read, can_report, can_write
from billing_svc.context import Context
from billing_svc.domain import ledger as rules
from billing_svc.domain.ledger import Posting
from billing_svc.ledger import schemas
from billing_svc.ledger.plan import NO_DIMENSIONS, Balance, Dimensions, month_of
from billing_svc.ledger.repository import LedgerRepository
from billing_svc.models import Allocation, Entry, Organisation
from billing_svc.packs.events import pack_changed
from billing_svc.packs.repository import PacksRepository
from crm_contracts.events.billing import (
    BalanceChanged,
    EntryCancelled,
)
from crm_contracts.ids import uuid7
from crm_platform.errors import ConflictError, NotFoundError
from crm_platform.internal_auth import Principal

# Kinds a user may cancel. Uses and returns of classes follow the journal's marks (change
# the mark instead); a reversal is never reversed (a correction is a new entry).
CANCELLABLE = frozenset(
    {"payment", "sale", "visit", "virtual", "bonus", "refund", "transfer", "issue"}
)


def entry_read(
    entry: Entry,
    currency: str,
    cancelled_by: uuid.UUID | None,
    allocations: Sequence[Allocation] = (),
) -> schemas.EntryRead:
    return schemas.EntryRead(
        id=entry.id,
        kind=entry.kind,
        client_id=entry.client_id,
        other_client_id=entry.other_client_id,
        pack_id=entry.pack_id,
        service_id=entry.service_id,
        method=entry.method,
        amount_minor=entry.amount_minor,
        classes=entry.classes,
        currency=currency,
        booked_on=entry.booked_on,
        comment=entry.comment,
        reverses_id=entry.reverses_id,
        cancelled=cancelled_by is not None,
        cancelled_by=cancelled_by,
        created_by=entry.created_by,
        created_at=entry.created_at,
        allocations=[schemas.AllocationRead.model_validate(a) for a in allocations],
    )


def _dims(entry: Entry) -> Dimensions:
    return Dimensions(entry.branch_id, entry.group_id, entry.teacher_id, entry.service_id)


@dataclass
class Ledger:
    ctx: Context

    @property
    def repo(self) -> LedgerRepository:
        return LedgerRepository(self.ctx.session)

    async def record(
        self,
        org: Organisation,
        kind: str,
        postings: Sequence[Posting],
        *,
        booked_on: date,
        by: str,
        client_id: uuid.UUID | None = None,
        other_client_id: uuid.UUID | None = None,
        pack_id: uuid.UUID | None = None,
        dims: Dimensions = NO_DIMENSIONS,
        method: str | None = None,
        amount_minor: int = 0,
        classes: int = 0,
        comment: str | None = None,
    ) -> Entry:
        entry, balances = await self.repo.post(
            tenant_id=org.id,
            kind=kind,
            postings=postings,
            booked_on=booked_on,
            by=by,
            now=self.ctx.now(),
            entry_id=uuid7(),
            client_id=client_id,
            other_client_id=other_client_id,
            pack_id=pack_id,
            dims=dims,
            method=method,
            amount_minor=amount_minor,
            classes=classes,
            comment=comment,
        )
        await self._balances_changed(org, balances)
        return entry

    async def reverse(
        self, org: Organisation, entry: Entry, *, by: str, reason: str | None
    ) -> Entry:
        """Adds the entry that cancels `entry` (at most once: a second attempt is 409)."""
        if entry.kind == "reversal":
            raise ConflictError("a cancellation cannot be cancelled; add a correcting entry")
        await self.repo.lock_entry_for_reversal(org.id, entry.id)
        if await self.repo.reversal_of(entry.id) is not None:
            raise ConflictError("this entry is already cancelled")
        postings = rules.reversal(await self.repo.postings(entry.id))
        reversal, balances = await self.repo.post(
            tenant_id=org.id,
            kind="reversal",
            postings=postings,
            booked_on=await self.ctx.today(org.id),
            by=by,
            now=self.ctx.now(),
            entry_id=uuid7(),
            client_id=entry.client_id,
            other_client_id=entry.other_client_id,
            pack_id=entry.pack_id,
            dims=_dims(entry),
            method=entry.method,
            amount_minor=-entry.amount_minor,
            classes=-entry.classes,
            comment=reason,
            reverses=entry,
            # A cancelled entry leaves the figures of the month it was booked in.
            report_month=month_of(entry.booked_on),
            report_dims=_dims(entry),
        )
        await self.repo.add_reversal(org.id, entry, reversal, reason)
        await self._balances_changed(org, balances)
        return reversal

    async def _balances_changed(
        self, org: Organisation, balances: dict[uuid.UUID, Balance]
    ) -> None:
        for client_id, balance in balances.items():
            await self.ctx.emit(
                org.id,
                client_id,
                BalanceChanged(
                    client_id=client_id,
                    balance_minor=balance.minor,
                    currency=org.currency,
                    sequence=balance.sequence,
                ),
            )

    # --- payments (recorded by ledger/payments.py) -----------------------------------------

    async def _refresh_invoices(
        self, org: Organisation, invoice_ids: list[uuid.UUID], pack_ids: list[uuid.UUID]
    ) -> None:
        from billing_svc.invoices.service import refresh_invoice, refresh_pack_invoices

        for invoice_id in sorted(set(invoice_ids)):
            await refresh_invoice(self.ctx, org, invoice_id)
        if pack_ids:
            await refresh_pack_invoices(self.ctx, org, sorted(set(pack_ids)))

    # --- cancelling ---------------------------------------------------------------------

    async def cancel(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        entry_id: uuid.UUID,
        body: schemas.CancelIn,
    ) -> schemas.EntryRead:
        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        entry = await self.repo.entry(tenant, entry_id)
        if entry is None or client_id not in (entry.client_id, entry.other_client_id):
            raise NotFoundError("entry")
        if entry.kind not in CANCELLABLE:
            raise ConflictError(
                f"a {entry.kind} entry cannot be cancelled here"
                + ("; change the journal mark instead" if entry.kind == "use" else "")
            )
        if entry.pack_id is not None:
            # Lock the pack first, as every class movement does, so cancels and uses of one
            # pack take their locks in one order.
            await self.repo.lock_pack(entry.pack_id)
        reversal = await self.reverse(org, entry, by=principal.subject, reason=body.reason)
        await self._after_reversal(org, entry, reversal)
        await self.ctx.emit(
            tenant,
            entry.id,
            EntryCancelled(
                entry_id=entry.id,
                reversal_entry_id=reversal.id,
                client_id=entry.client_id,
                kind=entry.kind,
                amount_minor=entry.amount_minor,
                currency=org.currency,
                reason=body.reason,
            ),
        )
        return entry_read(reversal, org.currency, None)

    async def _after_reversal(self, org: Organisation, entry: Entry, reversal: Entry) -> None:
        if entry.kind == "sale" and entry.pack_id is not None:
            pack = await PacksRepository(self.ctx.session).pack(org.id, entry.pack_id)
            if pack is not None and pack.sale_entry_id == entry.id:
                pack.status = "cancelled"
                pack.version += 1
                await self.ctx.session.flush()
                await pack_changed(self.ctx, pack, "cancelled", entry_id=reversal.id, by="")
        if entry.kind in ("visit", "virtual", "use"):
            await PacksRepository(self.ctx.session).mark_usages_returned(entry.id, reversal.id)
        if entry.kind == "payment":
            rows = (await self.repo.allocations([entry.id]))[entry.id]
            await self._refresh_invoices(
                org,
                [a.target_id for a in rows if a.target == "invoice"],
                [a.target_id for a in rows if a.target == "pack"],
            )

    # --- reading ------------------------------------------------------------------------

    async def balance(self, principal: Principal, client_id: uuid.UUID) -> schemas.BalanceRead:
        tenant = can_read(principal)
        org = await self.ctx.organisation(tenant)
        return schemas.BalanceRead(
            client_id=client_id,
            balance_minor=await self.repo.balance(tenant, client_id),
            currency=org.currency,
        )

    async def client_entries(
        self, principal: Principal, client_id: uuid.UUID, cursor: str | None, limit: int
    ) -> list[schemas.EntryRead]:
        tenant = can_read(principal)
        org = await self.ctx.organisation(tenant)
        rows = await self.repo.client_entries(tenant, client_id, cursor, limit)
        allocations = await self.repo.allocations([e.id for e, _ in rows])
        return [entry_read(e, org.currency, r, allocations[e.id]) for e, r in rows]

    async def payments(
        self,
        principal: Principal,
        *,
        from_date: date | None,
        to_date: date | None,
        client_id: uuid.UUID | None,
        method: str | None,
        include_cancelled: bool,
        cursor: str | None,
        limit: int,
    ) -> list[schemas.EntryRead]:
        """The payment report: cancelled payments are left out unless asked for."""
        tenant = can_report(principal)
        org = await self.ctx.organisation(tenant)
        rows = await self.repo.payments(
            tenant,
            from_date=from_date,
            to_date=to_date,
            client_id=client_id,
            method=method,
            branch_ids=branch_scope(principal),
            include_cancelled=include_cancelled,
            cursor=cursor,
            limit=limit,
        )
        allocations = await self.repo.allocations([e.id for e, _ in rows])
        return [entry_read(e, org.currency, r, allocations[e.id]) for e, r in rows]
