"""Moving what a pack holds: refund the unused part, transfer classes to another client,
virtual visits. Every movement is a ledger entry. Flushes, never commits."""

from __future__ import annotations

import uuid

from billing_svc.access import can_write, visibility
from billing_svc.context import Context
from billing_svc.domain import ledger as rules
from billing_svc.ledger.plan import Dimensions
from billing_svc.models import (
    Pack,
    Usage,
)
from billing_svc.packs import schemas
from billing_svc.packs.base import PackReading, is_active
from billing_svc.packs.events import pack_changed
from billing_svc.readmodels import ReadModels
from crm_contracts.ids import uuid7
from crm_platform.errors import ConflictError, invalid
from crm_platform.internal_auth import Principal


class Moves:
    """Moving what a pack holds: refund, transfer, virtual visits."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.packs = PackReading(ctx)

    async def refund(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        pack_id: uuid.UUID,
        body: schemas.RefundIn,
    ) -> schemas.PackRead:
        """Refunds the unused part: the unused classes leave the pack, the money goes back to
        the client's balance (and out of the till when paid out)."""
        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        pack = await self.packs.find(tenant, client_id, pack_id)
        if pack.status != "active" and pack.status != "expired":
            raise ConflictError(f"a {pack.status} pack cannot be refunded")
        left = pack.classes_left or 0
        if body.amount_minor is not None:
            amount = body.amount_minor
        elif pack.classes_total:
            amount = rules.prorated_refund(pack.price_minor, pack.classes_total, left)
        else:
            raise invalid("amount_minor", "an unlimited pack's refund needs an amount")
        if amount > pack.price_minor:
            raise invalid("amount_minor", "more than the pack's price")
        postings = rules.refund(client_id, pack.id, amount, left, body.pay_out_method)
        entry = (
            await self.packs.ledger.record(
                org,
                "refund",
                postings,
                booked_on=self.ctx.today_in(org),
                by=principal.subject,
                client_id=client_id,
                pack_id=pack.id,
                dims=Dimensions(pack.branch_id, pack.group_id, None, pack.service_id),
                method=body.pay_out_method,
                amount_minor=amount,
                classes=left,
                comment=body.comment,
            )
            if any(p.amount for p in postings)
            else None
        )
        pack.status = "refunded"
        pack.version += 1
        await self.ctx.session.flush()
        await pack_changed(
            self.ctx,
            pack,
            "refunded",
            by=principal.subject,
            entry_id=entry.id if entry else None,
            classes_delta=-left,
            amount_minor=amount,
        )
        return await self.packs.read(org, pack)

    async def transfer(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        pack_id: uuid.UUID,
        body: schemas.TransferIn,
    ) -> schemas.PackRead:
        """Moves N remaining classes to another client (a family member or a friend) on a new
        pack of theirs with the same scope and end; shown in both clients' histories."""
        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        if body.to_client_id == client_id:
            raise invalid("to_client_id", "a transfer goes to another client")
        # Moving classes to a client the caller does not see would widen their scope.
        await visibility(self.ctx.session, principal).require(
            "client", body.to_client_id, "to_client_id"
        )
        target = await ReadModels(self.ctx.session).find_client(body.to_client_id)
        pack = await self.packs.find(tenant, client_id, pack_id)
        if pack.classes_total is None:
            raise ConflictError("classes of an unlimited pack cannot be transferred")
        if not is_active(pack, self.ctx.today_in(org)):
            raise ConflictError("only an active pack's classes can be transferred")
        received = Pack(
            id=uuid7(),
            tenant_id=tenant,
            client_id=body.to_client_id,
            service_id=pack.service_id,
            kind=pack.kind,
            name=pack.name,
            price_minor=0,
            classes_total=body.classes,
            classes_left=0,
            period_classes=body.classes,
            starts_on=pack.starts_on,
            ends_on=pack.ends_on,
            period_unit=pack.period_unit,
            period_count=pack.period_count,
            billing=None,
            payment_mode="none",
            overlapping=pack.overlapping,
            shared=False,
            leftover=pack.leftover,
            group_ids=list(pack.group_ids),
            branch_ids=list(pack.branch_ids),
            programmes=list(pack.programmes),
            members=[str(body.to_client_id)],
            status="active",
            branch_id=target.branch_id if target else None,
            group_id=pack.group_id,
            transferred_from=pack.id,
            auto_renew=False,  # classes given away, not a subscription of the receiver's
            version=1,
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(received)
        await self.ctx.session.flush()
        entry = await self.packs.ledger.record(
            org,
            "transfer",
            rules.transfer_classes(pack.id, received.id, body.classes),
            booked_on=self.ctx.today_in(org),
            by=principal.subject,
            client_id=client_id,
            other_client_id=body.to_client_id,
            pack_id=pack.id,
            classes=body.classes,
            comment=body.comment,
        )
        received.sale_entry_id = None
        pack.classes_total -= body.classes
        pack.version += 1
        await self.ctx.session.flush()
        await pack_changed(
            self.ctx,
            pack,
            "transferred_out",
            by=principal.subject,
            entry_id=entry.id,
            other_client_id=body.to_client_id,
            classes_delta=-body.classes,
        )
        await pack_changed(
            self.ctx,
            received,
            "transferred_in",
            by=principal.subject,
            entry_id=entry.id,
            other_client_id=client_id,
            classes_delta=body.classes,
        )
        return await self.packs.read(org, pack)

    async def virtual_visit(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        pack_id: uuid.UUID,
        body: schemas.VirtualVisitIn,
    ) -> schemas.PackRead:
        """Uses classes without a journal mark."""
        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        pack = await self.packs.find(tenant, client_id, pack_id)
        day = body.lesson_date or self.ctx.today_in(org)
        if pack.status != "active":
            raise ConflictError(f"a {pack.status} pack cannot be used")
        entry = None
        if pack.classes_total is not None:
            entry = await self.packs.ledger.record(
                org,
                "virtual",
                rules.use_classes(pack.id, body.classes),
                booked_on=day,
                by=principal.subject,
                client_id=client_id,
                pack_id=pack.id,
                classes=body.classes,
                comment=body.comment,
            )
        self.ctx.session.add(
            Usage(
                id=uuid7(),
                tenant_id=tenant,
                client_id=client_id,
                pack_id=pack.id,
                lesson_date=day,
                classes=body.classes,
                charged_minor=0,
                source="virtual",
                entry_id=entry.id if entry else None,
                comment=body.comment,
                created_at=self.ctx.now(),
            )
        )
        await self.ctx.session.flush()
        await pack_changed(
            self.ctx,
            pack,
            "class_used",
            by=principal.subject,
            entry_id=entry.id if entry else None,
            classes_delta=-body.classes,
            virtual=True,
        )
        return await self.packs.read(org, pack)
