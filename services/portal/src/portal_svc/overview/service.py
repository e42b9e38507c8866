"""The overview: balance, packs, next lessons, open invoices, unread messages, make-up credits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal_svc.access import Scope
from portal_svc.context import Context
from portal_svc.overview import schemas
from portal_svc.overview.repository import NEXT_LESSONS, OverviewRepository
from portal_svc.schemas_common import AsOf, ClientRef, Money


@dataclass
class OverviewService:
    ctx: Context

    @property
    def repo(self) -> OverviewRepository:
        return OverviewRepository(self.ctx.session)

    async def overview(self, scope: Scope, today: date) -> schemas.Overview:
        """As of `today` where the organisation is."""
        tenant, client_id = scope.tenant_id, scope.client_id
        # The allowed set is the family as clients says now (a link's: its one client).
        family = list(scope.allowed) if not scope.anonymous else [client_id]
        rows = await self.repo.everything(tenant, client_id, family, today)
        card = rows.card
        makeup_ids = {lesson.lesson_id for lesson in rows.planned_makeups}
        lessons = rows.next_lessons + rows.planned_makeups
        lessons.sort(key=lambda row: (row.lesson_date, row.starts_at))
        balance = None
        if card is not None and card.balance_minor is not None and card.currency:
            balance = Money(amount_minor=card.balance_minor, currency=card.currency)
        return schemas.Overview(
            client=ClientRef(
                client_id=client_id,
                first_name=card.first_name if card else None,
                last_name=card.last_name if card else None,
            ),
            as_of=AsOf(**rows.as_of),
            balance=balance,
            packs=[
                schemas.PackRead(
                    pack_id=p.pack_id,
                    owner_client_id=p.client_id,
                    name=p.name,
                    kind=p.kind,
                    classes_total=p.classes_total,
                    classes_left=p.classes_left,
                    starts_on=p.starts_on,
                    ends_on=p.ends_on,
                    shared=p.shared,
                    family_pack=p.client_id != client_id,
                )
                for p in rows.packs
            ],
            next_lessons=[
                schemas.LessonRead(
                    lesson_id=lesson.lesson_id,
                    group_id=lesson.group_id,
                    group_name=lesson.group_name,
                    lesson_date=lesson.lesson_date,
                    starts_at=lesson.starts_at,
                    duration_minutes=lesson.duration_minutes,
                    makeup=lesson.lesson_id in makeup_ids,
                )
                for lesson in lessons[:NEXT_LESSONS]
            ],
            open_invoices=[schemas.InvoiceBrief.model_validate(i) for i in rows.open_invoices],
            # A personal link's overview is read-only: its messages are the account's.
            unread_messages=0 if scope.anonymous else rows.unread_messages,
            makeup_credits=[
                schemas.MakeupCredit(
                    mark_id=m.mark_id,
                    group_id=m.group_id,
                    group_name=m.group_name,
                    missed_on=m.lesson_date,
                    usable_until=m.makeup_until,
                )
                for m in rows.makeup_credits
                if m.makeup_until is not None
            ],
        )

    async def me(self, scope: Scope) -> schemas.Me:
        refs = []
        for client_id in scope.allowed:
            card = await self.repo.card(scope.tenant_id, client_id)
            refs.append(
                ClientRef(
                    client_id=client_id,
                    first_name=card.first_name if card else None,
                    last_name=card.last_name if card else None,
                )
            )
        return schemas.Me(linked_client_id=scope.linked, clients=refs, read_only=scope.anonymous)
