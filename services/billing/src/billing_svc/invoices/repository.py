"""Every invoice and due item query, scoped by tenant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.models import DueItem, DueNotice, Invoice
from crm_platform.db import insert_once
from crm_platform.pagination import keyset


class InvoicesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, invoice: Invoice, due_item: DueItem) -> None:
        self.session.add(invoice)
        self.session.add(due_item)

    async def invoice(self, invoice_id: uuid.UUID) -> Invoice | None:
        return await self.session.get(Invoice, invoice_id)

    async def invoice_for_update(self, invoice_id: uuid.UUID) -> Invoice | None:
        return await self.session.get(Invoice, invoice_id, with_for_update=True)

    async def due_items(self, invoice_id: uuid.UUID) -> Sequence[DueItem]:
        """The invoice's due items."""
        rows = await self.session.scalars(select(DueItem).where(DueItem.invoice_id == invoice_id))
        return list(rows)

    async def by_pack_before(self, item: DueItem) -> int:
        """What the pack's due items settled by its payments, earlier than `item`, amount to."""
        before = await self.session.scalar(
            select(func.coalesce(func.sum(DueItem.amount_minor), 0)).where(
                DueItem.pack_id == item.pack_id, DueItem.by_pack.is_(True), DueItem.id < item.id
            )
        )
        return int(before or 0)

    async def pack_invoice_ids(self, pack_ids: list[uuid.UUID]) -> list[uuid.UUID]:
        """The invoices of sales on credit of these packs, in id order."""
        rows = await self.session.scalars(
            select(DueItem.invoice_id).where(
                DueItem.pack_id.in_(pack_ids),
                DueItem.by_pack.is_(True),
                DueItem.invoice_id.is_not(None),
            )
        )
        return sorted({i for i in rows if i is not None})

    async def due_to_remind(self, tomorrow: date, after: uuid.UUID, limit: int) -> list[DueItem]:
        """Unsettled due items, after `after` in id order, with a reminder due by `tomorrow`
        not sent yet; locked, skipping those another scheduler holds (PostgreSQL)."""

        def sent(notice: str) -> Any:
            return exists().where(
                and_(DueNotice.due_item_id == DueItem.id, DueNotice.notice == notice)
            )

        query = (
            select(DueItem)
            .where(
                DueItem.id > after,
                DueItem.settled_at.is_(None),
                or_(
                    and_(DueItem.soon_from <= tomorrow, ~sent("due_soon")),
                    and_(DueItem.due_on <= tomorrow, ~sent("overdue")),
                ),
            )
            .order_by(DueItem.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=DueItem)
        return list((await self.session.execute(query)).scalars())

    async def notices_sent(self, due_item_id: uuid.UUID) -> set[str]:
        rows = await self.session.execute(
            select(DueNotice.notice).where(DueNotice.due_item_id == due_item_id)
        )
        return {n for (n,) in rows}

    async def claim_notice(self, due_item_id: uuid.UUID, notice: str, at: datetime) -> bool:
        """Records the reminder as sent; False when it was (in this or another process)."""
        return await insert_once(
            self.session, DueNotice, due_item_id=due_item_id, notice=notice, sent_at=at
        )

    async def page(
        self,
        tenant_id: uuid.UUID,
        visible: Any,
        *,
        client_id: uuid.UUID | None,
        status: str | None,
        today: date,
        cursor: str | None,
        limit: int,
        due_from: date | None = None,
        due_to: date | None = None,
    ) -> Sequence[Invoice]:
        """A page of the organisation's invoices: of one client, or of the clients the
        `visible` condition lets through; "overdue" is an open invoice due before today."""
        query = select(Invoice).where(Invoice.tenant_id == tenant_id)
        if client_id is not None:
            # The gateway located the client named in the filter for this caller.
            query = query.where(Invoice.client_id == client_id)
        else:
            query = query.where(visible)
        if status == "overdue":
            query = query.where(Invoice.status == "open", Invoice.due_on < today)
        elif status is not None:
            query = query.where(Invoice.status == status)
        if due_from is not None:
            query = query.where(Invoice.due_on >= due_from)
        if due_to is not None:
            query = query.where(Invoice.due_on <= due_to)
        return list(
            (await self.session.execute(keyset(query, Invoice.id, cursor, limit))).scalars()
        )
