"""A pack's life in time: extend (renew), edit validity, bonus classes, freeze and unfreeze,
restore an expired pack. Flushes, never commits."""

from __future__ import annotations

import uuid
from datetime import timedelta

from billing_svc.access import can_write
from billing_svc.context import Context
from billing_svc.domain import ledger as rules
from billing_svc.domain.periods import (
    Freeze,
    InvalidFreezeError,
    check_freeze,
    end_after_freeze,
    shorten_freeze,
)
from billing_svc.models import (
    PackFreeze,
)
from billing_svc.packs import schemas
from billing_svc.packs.base import PackReading, is_active, period_end_in_range
from billing_svc.packs.events import history, pack_changed
from billing_svc.packs.selling import Selling
from crm_contracts.ids import uuid7
from crm_platform.errors import ConflictError, invalid
from crm_platform.internal_auth import Principal


class Life:
    """A pack's validity and freezes: extend, edit, bonus classes, freeze, unfreeze, restore."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.packs = PackReading(ctx)
        self.selling = Selling(ctx)

    async def extend(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        pack_id: uuid.UUID,
        body: schemas.PackExtend,
    ) -> schemas.PackRead:
        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        pack = await self.packs.find(tenant, client_id, pack_id)
        if pack.status not in ("active", "expired"):
            raise ConflictError(f"a {pack.status} pack cannot be extended")
        today = self.ctx.today_in(org)
        unit = body.period.unit if body.period else pack.period_unit
        count = body.period.count if body.period else pack.period_count
        if not unit or not count:
            raise invalid("period", "this pack has no period; give one")
        start = max((pack.ends_on + timedelta(days=1)) if pack.ends_on else today, pack.starts_on)
        ends_on = period_end_in_range(start, unit, count)  # type: ignore[arg-type]
        if pack.leftover == "burn" and pack.classes_left:
            burn = await self.packs.ledger.record(
                org,
                "expire",
                rules.expire_classes(pack.id, pack.classes_left),
                booked_on=today,
                by=principal.subject,
                client_id=client_id,
                pack_id=pack.id,
                classes=pack.classes_left,
            )
            await history(self.ctx, pack, "leftover_burnt", by=principal.subject, entry_id=burn.id)
        price = body.price_minor if body.price_minor is not None else pack.price_minor
        classes = body.classes if body.classes is not None else pack.period_classes
        pack.ends_on = ends_on
        pack.status = "active"
        if classes is not None and pack.classes_total is not None:
            pack.classes_total = (pack.classes_left or 0) + classes
        pack.version += 1
        await self.ctx.session.flush()
        renewal = await self.selling.charge_and_issue(
            org, pack, None, principal.subject, price, classes, body, body.comment, start
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
        return await self.packs.read(org, pack)

    async def edit(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        pack_id: uuid.UUID,
        body: schemas.PackEdit,
        expected_version: int,
    ) -> schemas.PackRead:
        """Edits validity (illness and the like) and whether a subscription renews by itself;
        a body with neither is a validity edit that changes nothing, as before."""
        from crm_platform.preconditions import check_version

        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        pack = await self.packs.find(tenant, client_id, pack_id)
        check_version(pack.version, expected_version)
        if body.auto_renew is not None and pack.kind != "subscription":
            raise invalid("auto_renew", "only a subscription renews by itself")
        starts_on = body.starts_on or pack.starts_on
        ends_on = body.ends_on if "ends_on" in body.model_fields_set else pack.ends_on
        if ends_on is not None and ends_on < starts_on:
            raise invalid("ends_on", "a pack ends on or after the day it starts")
        before = (pack.starts_on.isoformat(), pack.ends_on.isoformat() if pack.ends_on else None)
        pack.starts_on, pack.ends_on = starts_on, ends_on
        renewal_changed = body.auto_renew is not None and body.auto_renew != pack.auto_renew
        if body.auto_renew is not None:
            pack.auto_renew = body.auto_renew
        pack.version += 1
        await self.ctx.session.flush()
        if renewal_changed:
            await history(
                self.ctx,
                pack,
                "auto_renew_on" if pack.auto_renew else "auto_renew_off",
                by=principal.subject,
                comment=body.comment,
            )
        if body.auto_renew is None or {"starts_on", "ends_on"} & body.model_fields_set:
            await pack_changed(
                self.ctx,
                pack,
                "validity_edited",
                by=principal.subject,
                before=list(before),
                comment=body.comment,
            )
        return await self.packs.read(org, pack)

    async def bonus(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        pack_id: uuid.UUID,
        body: schemas.BonusIn,
    ) -> schemas.PackRead:
        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        pack = await self.packs.find(tenant, client_id, pack_id)
        if pack.classes_total is None:
            raise ConflictError("an unlimited pack takes no bonus classes")
        if pack.status != "active":
            raise ConflictError(f"a {pack.status} pack takes no bonus classes")
        entry = await self.packs.ledger.record(
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
        return await self.packs.read(org, pack)

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
        pack = await self.packs.find(tenant, client_id, pack_id)
        freeze = Freeze(body.from_date, body.until_date)
        existing = (await self.packs.repo.freezes([pack.id]))[pack.id]
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
        return await self.packs.read(org, pack)

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
        pack = await self.packs.find(tenant, client_id, pack_id)
        today = self.ctx.today_in(org)
        last = body.last_frozen_day or today - timedelta(days=1)
        freezes = [
            f for f in (await self.packs.repo.freezes([pack.id]))[pack.id] if f.until_date > last
        ]
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
        return await self.packs.read(org, pack)

    async def restore(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        pack_id: uuid.UUID,
        body: schemas.RestoreIn,
    ) -> schemas.PackRead:
        """An expired pack is valid again until `ends_on`.

        The classes burnt when the pack expired (the expire entries of its "expired" period
        ends, not yet given back) return. Classes burnt at a renewal or an extension stay
        burnt: they belonged to a period that is over and whose successor was paid for."""
        tenant = can_write(principal)
        org = await self.ctx.organisation(tenant)
        pack = await self.packs.find(tenant, client_id, pack_id)
        today = self.ctx.today_in(org)
        if is_active(pack, today) or pack.status not in ("active", "expired"):
            raise ConflictError("only an expired pack can be restored")
        if body.ends_on < today:
            raise invalid("ends_on", "a restored pack is valid until today or later")
        burnt = await self.packs.repo.burnt_at_expiry(tenant, pack.id)
        returned = 0
        for entry in burnt:
            await self.packs.ledger.reverse(
                org, entry, by=principal.subject, reason="pack restored"
            )
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
        return await self.packs.read(org, pack)
