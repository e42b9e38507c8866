"""Selling packs and subscriptions: the sale entry, its payment when paid now, its due item
on credit. Flushes, never commits."""

from __future__ import annotations

import uuid
from datetime import date

from billing_svc.access import can_write, visibility
from billing_svc.catalogue.repository import CatalogueRepository
from billing_svc.context import Context
from billing_svc.domain import ledger as rules
from billing_svc.domain.due import due_date
from billing_svc.invoices.service import open_invoice
from billing_svc.ledger.plan import Dimensions
from billing_svc.ledger.repository import LedgerRepository
from billing_svc.models import (
    Entry,
    Organisation,
    Pack,
    Service,
)
from billing_svc.packs import schemas
from billing_svc.packs.base import PackReading, _single, period_end_in_range
from billing_svc.packs.events import history, state
from billing_svc.readmodels import ReadModels
from crm_contracts.events.billing import AllocationData, PackSold, PaymentRecorded
from crm_contracts.ids import uuid7
from crm_platform.errors import invalid
from crm_platform.internal_auth import Principal


def _sale_dims(pack: Pack) -> Dimensions:
    return Dimensions(branch_id=pack.branch_id, group_id=pack.group_id, service_id=pack.service_id)


class Selling:
    """Selling a pack, and charging a period of it (also when extended or renewed)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.packs = PackReading(ctx)

    async def sell(
        self, principal: Principal, client_id: uuid.UUID, body: schemas.PackSell
    ) -> schemas.PackRead:
        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        client = await ReadModels(self.ctx.session).client(tenant, client_id)
        service = await CatalogueRepository(self.ctx.session).service(tenant, body.service_id)
        if service is None or service.archived:
            raise invalid("service_id", "no such service in the catalogue")
        if not service.freestyle:
            for field in ("price_minor", "classes", "period"):
                if getattr(body, field) is not None:
                    raise invalid(field, "only a freestyle service is changed at sale")
        if body.members and not service.shared:
            raise invalid("members", "only a shared pack has other members")
        # Every id the body names is one the caller sees, else answered as unknown: the pack's
        # branch decides whose pack reports show it.
        visible = visibility(self.ctx.session, principal)
        members = [client_id]
        for n, member in enumerate(body.members):
            await visible.require("client", member, f"members.{n}")
            if member not in members:
                members.append(member)
        if body.branch_id is not None:
            await visible.require("branch", body.branch_id, "branch_id")
        if body.group_id is not None:
            await visible.require("group", body.group_id, "group_id")
        today = self.ctx.today_in(org)
        starts_on = body.starts_on or today
        unit = body.period.unit if body.period else service.period_unit
        count = body.period.count if body.period else service.period_count
        ends_on = period_end_in_range(starts_on, unit, count) if unit and count else None  # type: ignore[arg-type]
        price = body.price_minor if body.price_minor is not None else service.price_minor
        classes = body.classes if body.classes is not None else service.classes
        pack = Pack(
            id=uuid7(),
            tenant_id=tenant,
            client_id=client_id,
            service_id=service.id,
            kind=service.kind,
            name=service.name,
            price_minor=price,
            classes_total=classes,
            classes_left=0 if classes is not None else None,
            period_classes=classes,
            starts_on=starts_on,
            ends_on=ends_on,
            period_unit=unit,
            period_count=count,
            billing=service.billing,
            payment_mode=body.payment_mode,
            overlapping=service.overlapping,
            shared=service.shared,
            leftover=service.leftover,
            auto_renew=service.kind == "subscription" and body.auto_renew,
            group_ids=list(service.group_ids),
            branch_ids=list(service.branch_ids),
            programmes=list(service.programmes),
            members=[str(m) for m in members],
            status="active",
            branch_id=body.branch_id or client.branch_id,
            group_id=body.group_id or _single(service.group_ids),
            version=1,
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(pack)
        await self.ctx.session.flush()
        sale = await self.charge_and_issue(
            org, pack, service, principal.subject, price, classes, body, body.comment
        )
        pack.sale_entry_id = sale.id if sale is not None else None
        await self.ctx.session.flush()
        await history(
            self.ctx,
            pack,
            "sold",
            by=principal.subject,
            entry_id=pack.sale_entry_id,
            payment_mode=body.payment_mode,
            price_minor=price,
        )
        await self.packs.repo.reload(pack)
        await self.ctx.emit(
            tenant,
            pack.id,
            PackSold(
                **state(pack),
                price_minor=price,
                currency=org.currency,
                payment_mode=body.payment_mode,
                entry_id=pack.sale_entry_id,
            ),
        )
        return await self.packs.read(org, pack)

    async def charge_and_issue(
        self,
        org: Organisation,
        pack: Pack,
        service: Service | None,
        by: str,
        price: int,
        classes: int | None,
        payment: schemas.Payment,
        comment: str | None,
        period_start: date | None = None,
    ) -> Entry | None:
        """The sale (or renewal) entry, its payment when paid now, its due item on credit.
        `period_start`: the start of the period charged (a renewal's, else the pack's)."""
        today = self.ctx.today_in(org)
        starts_on = period_start or pack.starts_on
        if payment.payment_mode == "none":
            if not classes:
                return None
            return await self.packs.ledger.record(
                org,
                "issue",
                rules.issue_classes(pack.id, classes),
                booked_on=starts_on,
                by=by,
                client_id=pack.client_id,
                pack_id=pack.id,
                dims=_sale_dims(pack),
                classes=classes,
                comment=comment,
            )
        sale = await self.record_sale(org, pack, by, price, classes, today, comment)
        if payment.payment_mode == "paid" and price > 0:
            assert payment.method is not None
            paid = await self.packs.ledger.record(
                org,
                "payment",
                rules.payment(pack.client_id, payment.method, price),
                booked_on=payment.paid_on or today,
                by=by,
                client_id=pack.client_id,
                pack_id=pack.id,
                dims=Dimensions(branch_id=pack.branch_id),
                method=payment.method,
                amount_minor=price,
                comment=comment,
            )
            await LedgerRepository(self.ctx.session).add_allocations(
                org.id, paid.id, [("pack", pack.id, price)]
            )
            await self.ctx.emit(
                org.id,
                paid.id,
                PaymentRecorded(
                    entry_id=paid.id,
                    client_id=pack.client_id,
                    amount_minor=price,
                    currency=org.currency,
                    method=payment.method,
                    paid_on=paid.booked_on,
                    comment=comment,
                    allocations=[
                        AllocationData(target="pack", target_id=pack.id, amount_minor=price)
                    ],
                ),
            )
        if payment.payment_mode == "credit" and price > 0:
            due_on = due_date(
                kind=pack.kind,
                billing=pack.billing,  # type: ignore[arg-type]
                starts_on=starts_on,
                ends_on=pack.ends_on,
                credit_due_on=payment.due_on,
            )
            kind = pack.billing if pack.kind == "subscription" and pack.billing else "credit"
            await open_invoice(
                self.ctx,
                org,
                client_id=pack.client_id,
                pack_id=pack.id,
                description=pack.name,
                period=(starts_on, pack.ends_on),
                amount_minor=price,
                due_on=due_on,
                due_kind=kind,  # type: ignore[arg-type]
                by_pack=True,
            )
        return sale

    async def record_sale(
        self,
        org: Organisation,
        pack: Pack,
        by: str,
        price: int,
        classes: int | None,
        booked_on: date,
        comment: str | None,
    ) -> Entry | None:
        """The charge for the pack (or one more period of it) and the classes it brings; no
        entry when there is neither."""
        postings = rules.sale(pack.client_id, pack.id, price, classes)
        if not postings:
            return None
        return await self.packs.ledger.record(
            org,
            "sale",
            postings,
            booked_on=booked_on,
            by=by,
            client_id=pack.client_id,
            pack_id=pack.id,
            dims=_sale_dims(pack),
            amount_minor=price,
            classes=classes or 0,
            comment=comment,
        )
