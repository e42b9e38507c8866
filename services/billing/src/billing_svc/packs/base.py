"""What every part of a pack's service uses: finding a pack, reading it, and the reading use
cases (a client's packs, a pack's history)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from billing_svc.access import can_read
from billing_svc.context import Context
from billing_svc.domain.periods import PeriodUnit, period_end
from billing_svc.ledger.repository import LedgerRepository
from billing_svc.ledger.service import Ledger
from billing_svc.models import (
    Organisation,
    Pack,
)
from billing_svc.packs import schemas
from billing_svc.packs.repository import PacksRepository
from crm_platform.errors import NotFoundError, invalid
from crm_platform.fields import MAX_DATE
from crm_platform.internal_auth import Principal


def period_end_in_range(start: date, unit: PeriodUnit, count: int) -> date:
    """The last day of a period of `count` units from `start`: a 422 naming `period` when it
    would end after the supported range (a pack extended again and again once ran past
    year 9999, a 500)."""
    try:
        end: date | None = period_end(start, unit, count)
    except (OverflowError, ValueError):  # past year 9999
        end = None
    if end is None or end > MAX_DATE:
        raise invalid("period", f"the period would end after {MAX_DATE.isoformat()}")
    return end


def is_active(pack: Pack, today: date) -> bool:
    return (
        pack.status == "active"
        and pack.starts_on <= today
        and (pack.ends_on is None or pack.ends_on >= today)
    )


@dataclass
class PackReading:
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
            auto_renew=pack.auto_renew,
            members=[uuid.UUID(str(m)) for m in pack.members],
            group_ids=[uuid.UUID(str(g)) for g in pack.group_ids],
            branch_ids=[uuid.UUID(str(b)) for b in pack.branch_ids],
            group_id=pack.group_id,
            programmes=list(pack.programmes),
            status=pack.status,
            paid_minor=paid,
            freezes=[schemas.FreezeRead.model_validate(f) for f in freezes],
            sale_entry_id=pack.sale_entry_id,
            version=pack.version,
            created_at=pack.created_at,
        )

    async def find(
        self, tenant: uuid.UUID, client_id: uuid.UUID, pack_id: uuid.UUID, *, lock: bool = True
    ) -> Pack:
        """The client's pack, locked unless `lock` is false; else 404."""
        pack = await self.repo.pack(tenant, pack_id, for_update=lock)
        if pack is None or pack.client_id != client_id:
            raise NotFoundError("pack")
        return pack

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
        pack = await self.repo.pack(tenant, pack_id)
        if pack is None:
            raise NotFoundError("pack")
        usages = await self.repo.usages(tenant, pack.id)
        if pack.client_id != client_id and not (
            pack.shared
            and (
                any(u.client_id == client_id for u in usages)
                or await self.repo.may_share(tenant, pack, client_id)
            )
        ):
            raise NotFoundError("pack")  # a shared pack opens from its users' cards too
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
