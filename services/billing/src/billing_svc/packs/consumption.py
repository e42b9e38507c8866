"""Classes used by the journal's marks, and given back when a mark changes or goes.

Each mark is followed by its own state row: an event older than the state billing already
applied (a late redelivery, an out-of-order retry) changes nothing, and the inbox makes a
repeated event a no-op. A mark uses at most one class at a time, however often it changes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from billing_svc.catalogue.repository import CatalogueRepository
from billing_svc.context import Context
from billing_svc.domain import ledger as rules
from billing_svc.domain.consumption import PackView, Visit, choose_pack, classes_for
from billing_svc.domain.periods import Freeze
from billing_svc.ledger.plan import Dimensions
from billing_svc.ledger.repository import LedgerRepository
from billing_svc.ledger.service import Ledger
from billing_svc.models import MarkState, Organisation, Service, Usage
from billing_svc.packs.events import pack_changed
from billing_svc.packs.repository import PacksRepository
from billing_svc.readmodels import ReadModels
from crm_contracts.events.billing import VisitCharged
from crm_contracts.ids import uuid7


@dataclass(frozen=True)
class MarkChange:
    tenant_id: uuid.UUID
    mark_id: uuid.UUID
    client_id: uuid.UUID
    lesson_id: uuid.UUID
    group_id: uuid.UUID
    branch_id: uuid.UUID | None
    lesson_date: date
    status: str | None  # None: the mark was removed
    at: datetime


def _ids(values: list[object]) -> frozenset[uuid.UUID]:
    return frozenset(uuid.UUID(str(v)) for v in values)


@dataclass
class Consumption:
    ctx: Context

    @property
    def readmodels(self) -> ReadModels:
        return ReadModels(self.ctx.session)

    async def apply(self, change: MarkChange) -> None:
        org = await self.ctx.organisation(change.tenant_id)
        repo = PacksRepository(self.ctx.session)
        state = await repo.mark_state(change.mark_id)
        if state is not None and state.event_time >= change.at:
            return  # already applied something newer
        wanted = classes_for(change.status, org.absence_uses_class)
        usage = (
            await repo.usage(state.usage_id)
            if state is not None and state.usage_id is not None
            else None
        )
        if usage is not None and usage.returned_entry_id is not None:
            usage = None  # cancelled by hand in the meantime
        if usage is not None and wanted == 0:
            await self._give_back(org, usage, change)
            usage = None
        elif usage is None and wanted > 0:
            usage = await self._use(org, change)
        if state is None:
            state = MarkState(
                mark_id=change.mark_id, tenant_id=change.tenant_id, client_id=change.client_id
            )
            self.ctx.session.add(state)
        state.status = change.status
        state.event_time = change.at
        state.usage_id = usage.id if usage is not None else None
        await self.ctx.session.flush()

    async def _visit(self, change: MarkChange) -> tuple[Visit, Dimensions]:
        group = await self.readmodels.find_group(change.group_id)
        lesson = await self.readmodels.find_lesson(change.lesson_id)
        teacher = (lesson.teacher_id if lesson else None) or (group.teacher_id if group else None)
        branch = change.branch_id or (group.branch_id if group else None)
        client = await self.readmodels.client(change.tenant_id, change.client_id)
        visit = Visit(
            client_id=change.client_id,
            day=change.lesson_date,
            group_id=change.group_id,
            branch_id=branch,
            programme=group.programme if group else None,
            family_id=client.family_id,
        )
        return visit, Dimensions(branch_id=branch, group_id=change.group_id, teacher_id=teacher)

    async def _use(self, org: Organisation, change: MarkChange) -> Usage:
        visit, dims = await self._visit(change)
        repo = PacksRepository(self.ctx.session)
        found = await repo.usable_on(
            org.id, change.client_id, visit.family_id, change.lesson_date, lock=True
        )
        packs = [p for p, _ in found]
        owner_families = {p.id: family for p, family in found}
        freezes = await repo.freezes([p.id for p in packs])
        views = [
            PackView(
                id=p.id,
                client_id=p.client_id,
                starts_on=p.starts_on,
                ends_on=p.ends_on,
                classes_left=p.classes_left,
                overlapping=p.overlapping,
                shared=p.shared,
                members=_ids(p.members),
                owner_family_id=owner_families[p.id],
                group_ids=_ids(p.group_ids),
                branch_ids=_ids(p.branch_ids),
                programmes=frozenset(str(x) for x in p.programmes),
                freezes=tuple(Freeze(f.from_date, f.until_date) for f in freezes[p.id]),
                status=p.status,
                created_seq=n,
            )
            for n, p in enumerate(sorted(packs, key=lambda p: p.id))
        ]
        chosen = choose_pack(visit, views)
        usage = Usage(
            id=uuid7(),
            tenant_id=org.id,
            client_id=change.client_id,
            mark_id=change.mark_id,
            lesson_id=change.lesson_id,
            group_id=change.group_id,
            lesson_date=change.lesson_date,
            classes=1,
            charged_minor=0,
            source="journal",
            created_at=self.ctx.now(),
        )
        ledger = Ledger(self.ctx)
        if chosen is not None:
            pack = next(p for p in packs if p.id == chosen.id)
            usage.pack_id = pack.id
            if pack.classes_left is not None:
                entry = await ledger.record(
                    org,
                    "use",
                    rules.use_classes(pack.id),
                    booked_on=change.lesson_date,
                    by="journal",
                    client_id=change.client_id,
                    # A shared pack's use shows in its owner's ledger too.
                    other_client_id=pack.client_id if pack.client_id != change.client_id else None,
                    pack_id=pack.id,
                    dims=dims,
                    classes=1,
                )
                usage.entry_id = entry.id
            self.ctx.session.add(usage)
            await self.ctx.session.flush()
            await pack_changed(
                self.ctx,
                pack,
                "class_used",
                by="journal",
                entry_id=usage.entry_id,
                mark_id=change.mark_id,
                classes_delta=-1 if pack.classes_left is not None else 0,
                other_client_id=change.client_id if pack.client_id != change.client_id else None,
            )
            return usage
        price = await self._one_time_price(org.id, visit)
        if price is not None and price[1] > 0:
            service_id, amount = price
            entry = await ledger.record(
                org,
                "visit",
                rules.charge(change.client_id, amount),
                booked_on=change.lesson_date,
                by="journal",
                client_id=change.client_id,
                dims=Dimensions(dims.branch_id, dims.group_id, dims.teacher_id, service_id),
                amount_minor=amount,
            )
            usage.entry_id, usage.charged_minor = entry.id, amount
            await self.ctx.emit(
                org.id,
                entry.id,
                VisitCharged(
                    entry_id=entry.id,
                    client_id=change.client_id,
                    mark_id=change.mark_id,
                    lesson_id=change.lesson_id,
                    group_id=change.group_id,
                    lesson_date=change.lesson_date,
                    amount_minor=amount,
                    currency=org.currency,
                ),
            )
        self.ctx.session.add(usage)
        await self.ctx.session.flush()
        return usage

    async def _one_time_price(
        self, tenant_id: uuid.UUID, visit: Visit
    ) -> tuple[uuid.UUID, int] | None:
        """The one-time service for the lesson: the one naming its group, else its
        programme, else its branch, else one naming nothing (the oldest wins a tie)."""
        best: tuple[int, Service] | None = None
        for service in await CatalogueRepository(self.ctx.session).one_time_services(tenant_id):
            groups, branches = _ids(service.group_ids), _ids(service.branch_ids)
            programmes = {str(p) for p in service.programmes}
            if groups and visit.group_id not in groups:
                continue
            if branches and visit.branch_id not in branches:
                continue
            if programmes and visit.programme not in programmes:
                continue
            rank = 0 if groups else 1 if programmes else 2 if branches else 3
            if best is None or rank < best[0]:
                best = (rank, service)
        return (best[1].id, best[1].price_minor) if best else None

    async def _give_back(self, org: Organisation, usage: Usage, change: MarkChange) -> None:
        repo = PacksRepository(self.ctx.session)
        pack = (
            await repo.pack(org.id, usage.pack_id, for_update=True)
            if usage.pack_id is not None
            else None
        )
        if usage.entry_id is not None:
            entry = await LedgerRepository(self.ctx.session).entry(org.id, usage.entry_id)
            assert entry is not None
            reversal = await Ledger(self.ctx).reverse(
                org, entry, by="journal", reason="journal mark changed or removed"
            )
            usage.returned_entry_id = reversal.id
        else:
            usage.returned_entry_id = usage.id  # nothing was posted (unlimited or unpriced)
        await self.ctx.session.flush()
        if pack is not None:
            await pack_changed(
                self.ctx,
                pack,
                "class_returned",
                by="journal",
                entry_id=usage.returned_entry_id,
                mark_id=change.mark_id,
                classes_delta=1 if pack.classes_left is not None else 0,
            )
