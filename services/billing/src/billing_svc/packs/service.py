"""Selling packs and subscriptions, and a pack's life: extend, edit validity, bonus classes,
freeze, restore, refund, transfer, virtual visits. Every movement of money or classes is a
ledger entry; every change is in the pack's history and published. Flushes, never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from billing_svc.access import can_read, can_write, check_other_client
from billing_svc.catalogue.repository import CatalogueRepository
from billing_svc.clients import ensure_client
from billing_svc.context import Context
from billing_svc.domain import ledger as rules
from billing_svc.domain.due import due_date
from billing_svc.domain.periods import (
    Freeze,
    InvalidFreezeError,
    check_freeze,
    end_after_freeze,
    period_end,
    shorten_freeze,
)
from billing_svc.ledger.repository import Dimensions, LedgerRepository
from billing_svc.ledger.service import Ledger
from billing_svc.models import (
    Client,
    DueItem,
    Entry,
    Organisation,
    Pack,
    PackFreeze,
    Reversal,
    Service,
    Usage,
)
from billing_svc.packs import schemas
from billing_svc.packs.events import history, pack_changed, state
from billing_svc.packs.repository import PacksRepository
from crm_contracts.events.billing import PackSold
from crm_contracts.ids import uuid7
from crm_platform.errors import ConflictError, NotFoundError, ProblemError
from crm_platform.internal_auth import Principal


def invalid(field: str, message: str) -> ProblemError:
    return ProblemError(
        422,
        "Unprocessable Content",
        f"invalid fields: {field}",
        errors=[{"field": field, "in": "body", "message": message}],
    )


def is_active(pack: Pack, today: date) -> bool:
    return (
        pack.status == "active"
        and pack.starts_on <= today
        and (pack.ends_on is None or pack.ends_on >= today)
    )


@dataclass
class Packs:
    ctx: Context

    @property
    def repo(self) -> PacksRepository:
        return PacksRepository(self.ctx.session)

    @property
    def ledger(self) -> Ledger:
        return Ledger(self.ctx)

    async def read(self, org: Organisation, pack: Pack) -> schemas.PackRead:
        freezes = (await self.repo.freezes([pack.id]))[pack.id]
        paid = await LedgerRepository(self.ctx.session).allocated_to(org.id, pack.id)
        return schemas.PackRead(
            id=pack.id,
            client_id=pack.client_id,
            service_id=pack.service_id,
            kind=pack.kind,
            name=pack.name,
            price_minor=pack.price_minor,
            currency=org.currency,
            classes_total=pack.classes_total,
            classes_left=pack.classes_left,
            unlimited=pack.classes_total is None,
            starts_on=pack.starts_on,
            ends_on=pack.ends_on,
            active=is_active(pack, self.ctx.today_in(org)),
            billing=pack.billing,
            payment_mode=pack.payment_mode,
            overlapping=pack.overlapping,
            shared=pack.shared,
            leftover=pack.leftover,
            members=[uuid.UUID(str(m)) for m in pack.members],
            group_ids=[uuid.UUID(str(g)) for g in pack.group_ids],
            branch_ids=[uuid.UUID(str(b)) for b in pack.branch_ids],
            programmes=list(pack.programmes),
            status=pack.status,
            paid_minor=paid,
            freezes=[schemas.FreezeRead.model_validate(f) for f in freezes],
            sale_entry_id=pack.sale_entry_id,
            version=pack.version,
            created_at=pack.created_at,
        )

    async def _pack(
        self, tenant: uuid.UUID, client_id: uuid.UUID, pack_id: uuid.UUID, *, lock: bool = True
    ) -> Pack:
        pack = await self.repo.pack(tenant, pack_id, for_update=lock)
        if pack is None or pack.client_id != client_id:
            raise NotFoundError("pack")
        return pack

    # --- selling ------------------------------------------------------------------------

    async def sell(
        self, principal: Principal, client_id: uuid.UUID, body: schemas.PackSell
    ) -> schemas.PackRead:
        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        client = await ensure_client(self.ctx.session, tenant, client_id)
        service = await CatalogueRepository(self.ctx.session).service(tenant, body.service_id)
        if service is None or service.archived:
            raise invalid("service_id", "no such service in the catalogue")
        if not service.freestyle:
            for field in ("price_minor", "classes", "period"):
                if getattr(body, field) is not None:
                    raise invalid(field, "only a freestyle service is changed at sale")
        if body.members and not service.shared:
            raise invalid("members", "only a shared pack has other members")
        members = [client_id]
        for n, member in enumerate(body.members):
            other = await self.ctx.session.get(Client, member)
            try:
                check_other_client(principal, other)
            except NotFoundError:
                raise invalid(f"members.{n}", "no such client") from None
            if member not in members:
                members.append(member)
        today = self.ctx.today_in(org)
        starts_on = body.starts_on or today
        unit = body.period.unit if body.period else service.period_unit
        count = body.period.count if body.period else service.period_count
        ends_on = period_end(starts_on, unit, count) if unit and count else None  # type: ignore[arg-type]
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
            starts_on=starts_on,
            ends_on=ends_on,
            period_unit=unit,
            period_count=count,
            billing=service.billing,
            payment_mode=body.payment_mode,
            overlapping=service.overlapping,
            shared=service.shared,
            leftover=service.leftover,
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
        sale = await self._charge_and_issue(
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
        await self.ctx.session.refresh(pack)
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
        return await self.read(org, pack)

    async def _charge_and_issue(
        self,
        org: Organisation,
        pack: Pack,
        service: Service | None,
        by: str,
        price: int,
        classes: int | None,
        payment: schemas.Payment,
        comment: str | None,
    ) -> Entry | None:
        """The sale (or renewal) entry, its payment when paid now, its due item on credit."""
        dims = Dimensions(
            branch_id=pack.branch_id, group_id=pack.group_id, service_id=pack.service_id
        )
        today = self.ctx.today_in(org)
        if payment.payment_mode == "none":
            if not classes:
                return None
            return await self.ledger.record(
                org,
                "issue",
                rules.issue_classes(pack.id, classes),
                booked_on=pack.starts_on,
                by=by,
                client_id=pack.client_id,
                pack_id=pack.id,
                dims=dims,
                classes=classes,
                comment=comment,
            )
        postings = rules.sale(pack.client_id, pack.id, price, classes)
        sale = None
        if postings:
            sale = await self.ledger.record(
                org,
                "sale",
                postings,
                booked_on=today,
                by=by,
                client_id=pack.client_id,
                pack_id=pack.id,
                dims=dims,
                amount_minor=price,
                classes=classes or 0,
                comment=comment,
            )
        if payment.payment_mode == "paid" and price > 0:
            assert payment.method is not None
            paid = await self.ledger.record(
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
        if payment.payment_mode == "credit" and price > 0:
            due_on = due_date(
                kind=pack.kind,
                billing=pack.billing,  # type: ignore[arg-type]
                starts_on=pack.starts_on,
                ends_on=pack.ends_on,
                credit_due_on=payment.due_on,
            )
            kind = pack.billing if pack.kind == "subscription" and pack.billing else "credit"
            self.ctx.session.add(
                DueItem(
                    id=uuid7(),
                    tenant_id=org.id,
                    client_id=pack.client_id,
                    pack_id=pack.id,
                    invoice_id=None,
                    kind=kind,
                    due_on=due_on,
                    soon_from=due_on - timedelta(days=org.due_soon_days),
                    amount_minor=price,
                    created_at=self.ctx.now(),
                )
            )
            await self.ctx.session.flush()
            from billing_svc.scheduler import wake_after_commit

            wake_after_commit(self.ctx.session)
        return sale

    # --- a pack's life ------------------------------------------------------------------

    async def extend(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        pack_id: uuid.UUID,
        body: schemas.PackExtend,
    ) -> schemas.PackRead:
        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        pack = await self._pack(tenant, client_id, pack_id)
        if pack.status not in ("active", "expired"):
            raise ConflictError(f"a {pack.status} pack cannot be extended")
        today = self.ctx.today_in(org)
        unit = body.period.unit if body.period else pack.period_unit
        count = body.period.count if body.period else pack.period_count
        if not unit or not count:
            raise invalid("period", "this pack has no period; give one")
        start = max((pack.ends_on + timedelta(days=1)) if pack.ends_on else today, pack.starts_on)
        if pack.leftover == "burn" and pack.classes_left:
            burn = await self.ledger.record(
                org,
                "expire",
                rules.expire_classes(pack.id, pack.classes_left),
                booked_on=today,
                by=principal.subject,
                client_id=client_id,
                pack_id=pack.id,
                classes=pack.classes_left,
                comment="leftover burnt at renewal",
            )
            await history(self.ctx, pack, "leftover_burnt", by=principal.subject, entry_id=burn.id)
        price = body.price_minor if body.price_minor is not None else pack.price_minor
        classes = body.classes if body.classes is not None else pack.classes_total
        pack.ends_on = period_end(start, unit, count)  # type: ignore[arg-type]
        pack.status = "active"
        if classes is not None and pack.classes_total is not None:
            pack.classes_total = (pack.classes_left or 0) + classes
        pack.version += 1
        await self.ctx.session.flush()
        renewal = await self._charge_and_issue(
            org, pack, None, principal.subject, price, classes, body, body.comment
        )
        await pack_changed(
            self.ctx,
            pack,
            "extended",
            by=principal.subject,
            entry_id=renewal.id if renewal else None,
            classes_delta=classes or 0,
            ends_on=pack.ends_on.isoformat(),
        )
        return await self.read(org, pack)

    async def edit_validity(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        pack_id: uuid.UUID,
        body: schemas.ValidityEdit,
        expected_version: int,
    ) -> schemas.PackRead:
        from billing_svc.deps import check_version

        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        pack = await self._pack(tenant, client_id, pack_id)
        check_version(pack.version, expected_version)
        starts_on = body.starts_on or pack.starts_on
        ends_on = body.ends_on if "ends_on" in body.model_fields_set else pack.ends_on
        if ends_on is not None and ends_on < starts_on:
            raise invalid("ends_on", "a pack ends on or after the day it starts")
        before = (pack.starts_on.isoformat(), pack.ends_on.isoformat() if pack.ends_on else None)
        pack.starts_on, pack.ends_on = starts_on, ends_on
        pack.version += 1
        await self.ctx.session.flush()
        await pack_changed(
            self.ctx,
            pack,
            "validity_edited",
            by=principal.subject,
            before=list(before),
            comment=body.comment,
        )
        return await self.read(org, pack)

    async def bonus(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        pack_id: uuid.UUID,
        body: schemas.BonusIn,
    ) -> schemas.PackRead:
        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        pack = await self._pack(tenant, client_id, pack_id)
        if pack.classes_total is None:
            raise ConflictError("an unlimited pack takes no bonus classes")
        if pack.status != "active":
            raise ConflictError(f"a {pack.status} pack takes no bonus classes")
        entry = await self.ledger.record(
            org,
            "bonus",
            rules.issue_classes(pack.id, body.classes),
            booked_on=self.ctx.today_in(org),
            by=principal.subject,
            client_id=client_id,
            pack_id=pack.id,
            classes=body.classes,
            comment=body.comment,
        )
        pack.classes_total += body.classes
        pack.version += 1
        await self.ctx.session.flush()
        await pack_changed(
            self.ctx,
            pack,
            "bonus_added",
            by=principal.subject,
            entry_id=entry.id,
            classes_delta=body.classes,
            comment=body.comment,
        )
        return await self.read(org, pack)

    async def freeze(
        self,
        principal: Principal | None,
        client_id: uuid.UUID,
        pack_id: uuid.UUID,
        body: schemas.FreezeIn,
        *,
        tenant: uuid.UUID | None = None,
        source: str = "manual",
    ) -> schemas.PackRead:
        """Validity moves by the frozen days; the pack is not used and not reminded about
        on those days."""
        if principal is not None:
            tenant = can_write(principal)
        assert tenant is not None
        org = await self.ctx.organisation(tenant)
        pack = await self._pack(tenant, client_id, pack_id)
        freeze = Freeze(body.from_date, body.until_date)
        existing = (await self.repo.freezes([pack.id]))[pack.id]
        try:
            check_freeze(freeze, [Freeze(f.from_date, f.until_date) for f in existing])
        except InvalidFreezeError as exc:
            raise invalid("from_date", str(exc)) from None
        if pack.status != "active":
            raise ConflictError(f"a {pack.status} pack cannot be frozen")
        self.ctx.session.add(
            PackFreeze(
                id=uuid7(),
                tenant_id=tenant,
                pack_id=pack.id,
                from_date=freeze.from_date,
                until_date=freeze.until_date,
                source=source,
                created_at=self.ctx.now(),
            )
        )
        pack.ends_on = end_after_freeze(pack.ends_on, freeze)
        pack.version += 1
        await self.ctx.session.flush()
        await pack_changed(
            self.ctx,
            pack,
            "frozen",
            by=principal.subject if principal else "system",
            from_date=freeze.from_date.isoformat(),
            until_date=freeze.until_date.isoformat(),
            source=source,
        )
        return await self.read(org, pack)

    async def unfreeze(
        self,
        principal: Principal | None,
        client_id: uuid.UUID,
        pack_id: uuid.UUID,
        body: schemas.UnfreezeIn,
        *,
        tenant: uuid.UUID | None = None,
    ) -> schemas.PackRead:
        """Ends the current (or coming) freeze early; validity gives back the unused days."""
        if principal is not None:
            tenant = can_write(principal)
        assert tenant is not None
        org = await self.ctx.organisation(tenant)
        pack = await self._pack(tenant, client_id, pack_id)
        today = self.ctx.today_in(org)
        last = body.last_frozen_day or today - timedelta(days=1)
        freezes = [f for f in (await self.repo.freezes([pack.id]))[pack.id] if f.until_date > last]
        if not freezes:
            raise ConflictError("the pack is not frozen after that day")
        for row in freezes:
            before = Freeze(row.from_date, row.until_date)
            try:
                after = shorten_freeze(before, last)
            except InvalidFreezeError as exc:
                raise invalid("last_frozen_day", str(exc)) from None
            if pack.ends_on is not None:
                pack.ends_on -= timedelta(days=before.days - max(0, after.days))
            if after.days <= 0:
                await self.ctx.session.delete(row)
            else:
                row.until_date = after.until_date
        pack.version += 1
        await self.ctx.session.flush()
        await pack_changed(
            self.ctx,
            pack,
            "unfrozen",
            by=principal.subject if principal else "system",
            last_frozen_day=last.isoformat(),
        )
        return await self.read(org, pack)

    async def restore(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        pack_id: uuid.UUID,
        body: schemas.RestoreIn,
    ) -> schemas.PackRead:
        """An expired pack is valid again until `ends_on`; classes burnt at expiry return."""
        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        pack = await self._pack(tenant, client_id, pack_id)
        today = self.ctx.today_in(org)
        if is_active(pack, today) or pack.status not in ("active", "expired"):
            raise ConflictError("only an expired pack can be restored")
        if body.ends_on < today:
            raise invalid("ends_on", "a restored pack is valid until today or later")
        burnt = await self.ctx.session.execute(
            select(Entry)
            .outerjoin(Reversal, Reversal.reversed_entry_id == Entry.id)
            .where(
                Entry.tenant_id == tenant,
                Entry.pack_id == pack.id,
                Entry.kind == "expire",
                Reversal.reversed_entry_id.is_(None),
            )
            .order_by(Entry.id)
        )
        returned = 0
        for entry in burnt.scalars().all():
            await self.ledger.reverse(org, entry, by=principal.subject, reason="pack restored")
            returned += entry.classes
        pack.ends_on = body.ends_on
        pack.status = "active"
        pack.version += 1
        await self.ctx.session.flush()
        await pack_changed(
            self.ctx,
            pack,
            "restored",
            by=principal.subject,
            classes_delta=returned,
            comment=body.comment,
        )
        return await self.read(org, pack)

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
        pack = await self._pack(tenant, client_id, pack_id)
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
            await self.ledger.record(
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
        return await self.read(org, pack)

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
        target = await self.ctx.session.get(Client, body.to_client_id)
        try:
            check_other_client(principal, target)
        except NotFoundError:
            raise invalid("to_client_id", "no such client") from None
        pack = await self._pack(tenant, client_id, pack_id)
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
            version=1,
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(received)
        await self.ctx.session.flush()
        entry = await self.ledger.record(
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
        return await self.read(org, pack)

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
        pack = await self._pack(tenant, client_id, pack_id)
        day = body.lesson_date or self.ctx.today_in(org)
        if pack.status != "active":
            raise ConflictError(f"a {pack.status} pack cannot be used")
        entry = None
        if pack.classes_total is not None:
            entry = await self.ledger.record(
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
        return await self.read(org, pack)

    # --- reading ------------------------------------------------------------------------

    async def client_packs(
        self, principal: Principal, client_id: uuid.UUID, cursor: str | None, limit: int
    ) -> list[schemas.PackRead]:
        tenant = can_read(principal)
        org = await self.ctx.organisation(tenant)
        rows = await self.repo.client_packs(tenant, client_id, cursor, limit)
        return [await self.read(org, p) for p in rows]

    async def pack_history(
        self, principal: Principal, client_id: uuid.UUID, pack_id: uuid.UUID
    ) -> schemas.PackHistory:
        tenant = can_read(principal)
        org = await self.ctx.organisation(tenant)
        pack = await self._pack(tenant, client_id, pack_id, lock=False)
        usages = await self.repo.usages(tenant, pack.id)
        events = await self.repo.events(tenant, pack.id)
        return schemas.PackHistory(
            pack=await self.read(org, pack),
            usages=[
                schemas.UsageRead(
                    id=u.id,
                    client_id=u.client_id,
                    mark_id=u.mark_id,
                    lesson_id=u.lesson_id,
                    group_id=u.group_id,
                    lesson_date=u.lesson_date,
                    classes=u.classes,
                    source=u.source,
                    returned=u.returned_entry_id is not None,
                    comment=u.comment,
                )
                for u in usages
            ],
            history=[schemas.HistoryRead.model_validate(e) for e in events],
        )


def _single(ids: list[object]) -> uuid.UUID | None:
    return uuid.UUID(str(ids[0])) if len(ids) == 1 else None
