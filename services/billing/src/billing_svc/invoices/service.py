"""Invoice use cases. Flushes, never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.access import can_read, can_write, visible_clients
from billing_svc.context import Context
from billing_svc.invoices import schemas
from billing_svc.invoices.repository import InvoicesRepository
from billing_svc.ledger.repository import LedgerRepository
from billing_svc.models import DueItem, Invoice, Organisation
from billing_svc.packs.repository import PacksRepository
from billing_svc.readmodels import ReadModels
from crm_contracts.events.billing import DueKind, InvoiceChanged, InvoiceIssued
from crm_contracts.ids import uuid7
from crm_platform.errors import ConflictError, NotFoundError, ProblemError, invalid
from crm_platform.internal_auth import Principal
from crm_platform.preconditions import check_version


def to_read(invoice: Invoice, currency: str, today: date) -> schemas.InvoiceRead:
    shown = invoice.status
    if shown == "open" and invoice.due_on < today:
        shown = "overdue"
    return schemas.InvoiceRead(
        id=invoice.id,
        client_id=invoice.client_id,
        pack_id=invoice.pack_id,
        description=invoice.description,
        period_from=invoice.period_from,
        period_until=invoice.period_until,
        amount_minor=invoice.amount_minor,
        paid_minor=invoice.paid_minor,
        currency=currency,
        due_on=invoice.due_on,
        status=shown,
        version=invoice.version,
        created_at=invoice.created_at,
    )


def _state(invoice: Invoice, currency: str) -> dict[str, object]:
    return {
        "invoice_id": invoice.id,
        "client_id": invoice.client_id,
        "pack_id": invoice.pack_id,
        "description": invoice.description,
        "amount_minor": invoice.amount_minor,
        "paid_minor": invoice.paid_minor,
        "currency": currency,
        "due_on": invoice.due_on,
        "status": invoice.status,
        "period_from": invoice.period_from,
        "period_until": invoice.period_until,
    }


async def pack_share(session: AsyncSession, tenant_id: uuid.UUID, item: DueItem) -> int:
    """What the pack's own payments pay of a sale's due item: they settle the pack's due
    items oldest first."""
    if not item.by_pack or item.pack_id is None:
        return 0
    paid = await LedgerRepository(session).allocated_to(tenant_id, item.pack_id)
    before = await InvoicesRepository(session).by_pack_before(item)
    return max(0, min(item.amount_minor, paid - before))


async def refresh_pack_invoices(ctx: Context, org: Organisation, pack_ids: list[uuid.UUID]) -> None:
    """The invoices of sales on credit that payments to these packs may have paid."""
    for invoice_id in await InvoicesRepository(ctx.session).pack_invoice_ids(pack_ids):
        await refresh_invoice(ctx, org, invoice_id)


async def refresh_invoice(ctx: Context, org: Organisation, invoice_id: uuid.UUID) -> None:
    """Paid when live payments allocated to it (or, for a sale's invoice, to its pack) cover
    it; open again when one is cancelled."""
    repo = InvoicesRepository(ctx.session)
    invoice = await repo.invoice_for_update(invoice_id)
    if invoice is None or invoice.status == "void":
        return
    paid = await LedgerRepository(ctx.session).allocated_to(org.id, invoice.id)
    for item in await repo.due_items(invoice.id):
        paid += await pack_share(ctx.session, org.id, item)
    status = "paid" if paid >= invoice.amount_minor else "open"
    if (paid, status) == (invoice.paid_minor, invoice.status):
        return
    invoice.paid_minor, invoice.status = paid, status
    invoice.version += 1
    for item in await repo.due_items(invoice.id):
        item.settled_at = ctx.now() if status == "paid" else None
    await ctx.session.flush()
    await ctx.emit(org.id, invoice.id, InvoiceChanged(**_state(invoice, org.currency)))


async def open_invoice(
    ctx: Context,
    org: Organisation,
    *,
    client_id: uuid.UUID,
    pack_id: uuid.UUID | None,
    description: str,
    amount_minor: int,
    due_on: date,
    due_kind: DueKind = "invoice",
    by_pack: bool = False,
    period: tuple[date, date | None] | None = None,
) -> Invoice:
    """An open invoice with its due item, so the due and overdue reminders follow it until
    payments allocated to it (or the client's balance) cover it. `period`: the first and
    last day (none when open-ended) a pack's invoice charges for."""
    invoice = Invoice(
        id=uuid7(),
        tenant_id=org.id,
        client_id=client_id,
        pack_id=pack_id,
        description=description,
        period_from=period[0] if period else None,
        period_until=period[1] if period else None,
        amount_minor=amount_minor,
        due_on=due_on,
        status="open",
        paid_minor=0,
        version=1,
        created_at=ctx.now(),
    )
    InvoicesRepository(ctx.session).add(
        invoice,
        DueItem(
            id=uuid7(),
            tenant_id=org.id,
            client_id=client_id,
            pack_id=pack_id,
            invoice_id=invoice.id,
            kind=due_kind,
            by_pack=by_pack,
            due_on=due_on,
            soon_from=due_on - timedelta(days=org.due_soon_days),
            amount_minor=amount_minor,
            created_at=ctx.now(),
        ),
    )
    await ctx.session.flush()
    ctx.wake_reminders()
    await ctx.emit(org.id, invoice.id, InvoiceIssued(**_state(invoice, org.currency)))
    return invoice


@dataclass
class Invoices:
    ctx: Context

    async def create(
        self, principal: Principal, client_id: uuid.UUID, body: schemas.InvoiceCreate
    ) -> schemas.InvoiceRead:
        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        await ReadModels(self.ctx.session).client(tenant, client_id)
        if body.pack_id is not None:
            pack = await PacksRepository(self.ctx.session).pack(tenant, body.pack_id)
            if pack is None or pack.client_id != client_id:
                raise invalid("pack_id", "no such pack")
        invoice = await open_invoice(
            self.ctx,
            org,
            client_id=client_id,
            pack_id=body.pack_id,
            description=body.description,
            amount_minor=body.amount_minor,
            due_on=body.due_on,
        )
        return to_read(invoice, org.currency, self.ctx.today_in(org))

    async def void(
        self, principal: Principal, client_id: uuid.UUID, invoice_id: uuid.UUID, version: int
    ) -> schemas.InvoiceRead:
        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        repo = InvoicesRepository(self.ctx.session)
        invoice = await repo.invoice_for_update(invoice_id)
        if invoice is None or invoice.tenant_id != tenant or invoice.client_id != client_id:
            raise NotFoundError("invoice")
        check_version(invoice.version, version)
        if invoice.status != "open":
            raise ConflictError(f"a {invoice.status} invoice cannot be voided")
        invoice.status = "void"
        invoice.version += 1
        for item in await repo.due_items(invoice.id):
            item.settled_at = self.ctx.now()
        await self.ctx.session.flush()
        await self.ctx.emit(tenant, invoice.id, InvoiceChanged(**_state(invoice, org.currency)))
        return to_read(invoice, org.currency, self.ctx.today_in(org))

    async def one(
        self, principal: Principal, client_id: uuid.UUID, invoice_id: uuid.UUID
    ) -> schemas.InvoiceRead:
        tenant = can_read(principal)
        org = await self.ctx.organisation(tenant)
        invoice = await InvoicesRepository(self.ctx.session).invoice(invoice_id)
        if invoice is None or invoice.tenant_id != tenant or invoice.client_id != client_id:
            raise NotFoundError("invoice")
        return to_read(invoice, org.currency, self.ctx.today_in(org))

    async def list(
        self,
        principal: Principal,
        client_id: uuid.UUID | None,
        status: str | None,
        cursor: str | None,
        limit: int,
        *,
        due_from: date | None = None,
        due_to: date | None = None,
    ) -> list[schemas.InvoiceRead]:
        tenant = can_read(principal)
        if client_id is None and principal.role == "teacher":
            raise ProblemError(403, "Forbidden", "a teacher lists one client's invoices")
        org = await self.ctx.organisation(tenant)
        today = self.ctx.today_in(org)
        rows = await InvoicesRepository(self.ctx.session).page(
            tenant,
            visible_clients(principal, Invoice.client_id),
            client_id=client_id,
            status=status,
            today=today,
            cursor=cursor,
            limit=limit,
            due_from=due_from,
            due_to=due_to,
        )
        return [to_read(i, org.currency, today) for i in rows]
