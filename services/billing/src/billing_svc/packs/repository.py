"""Every pack query, scoped by tenant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Text, and_, cast, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.domain.pack_notices import RUNNING_LOW_CLASSES
from billing_svc.models import (
    NO_END,
    Client,
    Entry,
    MarkState,
    Organisation,
    Pack,
    PackEvent,
    PackFreeze,
    PackNotice,
    PeriodEnd,
    Reversal,
    Usage,
)
from crm_platform.db import insert_once
from crm_platform.pagination import keyset


class PacksRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def pack(
        self, tenant_id: uuid.UUID, pack_id: uuid.UUID, *, for_update: bool = False
    ) -> Pack | None:
        query = select(Pack).where(Pack.id == pack_id, Pack.tenant_id == tenant_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def reload(self, pack: Pack) -> None:
        """The pack's row as the database has it now (classes_left moves in SQL)."""
        await self.session.refresh(pack)

    async def mark_state(self, mark_id: uuid.UUID) -> MarkState | None:
        """What billing last applied for a journal mark, locked."""
        return await self.session.get(MarkState, mark_id, with_for_update=True)

    async def usage(self, usage_id: uuid.UUID) -> Usage | None:
        return await self.session.get(Usage, usage_id)

    async def active_of_client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> list[Pack]:
        """The client's own active packs, in id order."""
        rows = await self.session.execute(
            select(Pack)
            .where(
                Pack.tenant_id == tenant_id, Pack.client_id == client_id, Pack.status == "active"
            )
            .order_by(Pack.id)
        )
        return list(rows.scalars())

    async def frozen_with_client_after(self, pack_id: uuid.UUID, last: date) -> bool:
        """Whether a freeze the pack took from its client's lasts past `last`."""
        frozen = await self.session.execute(
            select(PackFreeze.id).where(
                PackFreeze.pack_id == pack_id,
                PackFreeze.source == "client",
                PackFreeze.until_date > last,
            )
        )
        return frozen.first() is not None

    async def to_remind(self, today: date, after: uuid.UUID, limit: int) -> list[Pack]:
        """Active packs, after `after` in id order, that may be about to expire (by their
        organisation's lead time) or running low, without that reminder for this period;
        a day of slack either way for the time zones (the rule decides exactly)."""
        tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)

        def sent(notice: str) -> Any:
            return exists().where(
                PackNotice.pack_id == Pack.id,
                PackNotice.notice == notice,
                PackNotice.period_end == func.coalesce(Pack.ends_on, NO_END),
            )

        query = (
            select(Pack)
            .join(Organisation, Organisation.id == Pack.tenant_id)
            .where(
                Pack.id > after,
                Pack.status == "active",
                Pack.starts_on <= tomorrow,
                or_(Pack.ends_on.is_(None), Pack.ends_on >= yesterday),
                or_(
                    and_(
                        Pack.ends_on.is_not(None),
                        Pack.ends_on - Organisation.due_soon_days <= tomorrow,
                        ~sent("expiring"),
                    ),
                    and_(
                        Pack.classes_total.is_not(None),
                        Pack.classes_left <= RUNNING_LOW_CLASSES,
                        Pack.classes_left < Pack.classes_total,
                        ~sent("running_low"),
                    ),
                ),
            )
            .order_by(Pack.id)
            .limit(limit)
        )
        # On SQLite (the embedded mode) the date arithmetic above lets more packs through.
        return list((await self.session.execute(query)).scalars())

    async def ending_before(self, day: date, after: uuid.UUID, limit: int) -> list[uuid.UUID]:
        """Active packs, after `after` in id order, ending before `day` with something to
        do at the end: leftover classes to burn, or a subscription of a kept client that
        renews by itself."""
        archived = exists().where(Client.id == Pack.client_id, Client.status == "archived")
        query = (
            select(Pack.id)
            .where(
                Pack.id > after,
                Pack.status == "active",
                Pack.ends_on < day,
                or_(
                    and_(Pack.leftover == "burn", Pack.classes_left > 0),
                    and_(Pack.kind == "subscription", Pack.auto_renew.is_(True), ~archived),
                ),
            )
            .order_by(Pack.id)
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    async def lock_unless_held(self, pack_id: uuid.UUID) -> Pack | None:
        """The pack, locked; None when another transaction holds it (PostgreSQL)."""
        query = select(Pack).where(Pack.id == pack_id)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def claim_notice(self, pack: Pack, notice: str, period_end: date, at: datetime) -> bool:
        """Records the pack's reminder for the period as sent; False when it was."""
        return await insert_once(
            self.session,
            PackNotice,
            pack_id=pack.id,
            notice=notice,
            period_end=period_end,
            tenant_id=pack.tenant_id,
            sent_at=at,
        )

    async def claim_period_end(
        self, pack: Pack, ends_on: date, outcome: str, at: datetime
    ) -> PeriodEnd | None:
        """The (pack, end) row closing this end; None when it was closed before."""
        claimed = await insert_once(
            self.session,
            PeriodEnd,
            pack_id=pack.id,
            ends_on=ends_on,
            tenant_id=pack.tenant_id,
            outcome=outcome,
            classes_expired=0,
            closed_at=at,
        )
        return await self.session.get(PeriodEnd, (pack.id, ends_on)) if claimed else None

    async def notices_sent(self, pack_id: uuid.UUID, period_end: date) -> set[str]:
        rows = await self.session.execute(
            select(PackNotice.notice).where(
                PackNotice.pack_id == pack_id, PackNotice.period_end == period_end
            )
        )
        return {n for (n,) in rows}

    async def burnt_at_expiry(self, tenant_id: uuid.UUID, pack_id: uuid.UUID) -> list[Entry]:
        """The entries that burnt the pack's classes when it expired, not cancelled yet."""
        rows = await self.session.execute(
            select(Entry)
            .join(PeriodEnd, PeriodEnd.expire_entry_id == Entry.id)
            .outerjoin(Reversal, Reversal.reversed_entry_id == Entry.id)
            .where(
                Entry.tenant_id == tenant_id,
                PeriodEnd.pack_id == pack_id,
                PeriodEnd.outcome == "expired",
                Reversal.reversed_entry_id.is_(None),
            )
            .order_by(Entry.id)
        )
        return list(rows.scalars().all())

    async def mark_usages_returned(self, entry_id: uuid.UUID, reversal_id: uuid.UUID) -> None:
        """The uses the entry recorded are given back by its reversal."""
        await self.session.execute(
            update(Usage)
            .where(Usage.entry_id == entry_id, Usage.returned_entry_id.is_(None))
            .values(returned_entry_id=reversal_id)
        )

    async def client_packs(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, cursor: str | None, limit: int
    ) -> Sequence[Pack]:
        """The client's own packs, and the shared packs they may use: naming them, or
        bought by someone of their family (as billing knows the family now)."""
        family = (
            select(Client.family_id)
            .where(Client.tenant_id == tenant_id, Client.id == client_id)
            .scalar_subquery()
        )
        relatives = select(Client.id).where(
            Client.tenant_id == tenant_id, Client.family_id.is_not(None), Client.family_id == family
        )
        named = cast(Pack.members, Text).contains(str(client_id))
        query = select(Pack).where(
            Pack.tenant_id == tenant_id,
            or_(
                Pack.client_id == client_id,
                and_(Pack.shared.is_(True), or_(named, Pack.client_id.in_(relatives))),
            ),
        )
        return list((await self.session.execute(keyset(query, Pack.id, cursor, limit))).scalars())

    async def usable_on(
        self,
        tenant_id: uuid.UUID,
        client_id: uuid.UUID,
        family_id: uuid.UUID | None,
        day: date,
        *,
        lock: bool,
    ) -> list[tuple[Pack, uuid.UUID | None]]:
        """Packs the client may use on `day`, each with its owner's family, locked in id
        order: their own, shared ones naming them, and shared ones of their family (owners
        of this organisation in the same family). domain/consumption.py decides among them."""
        named = cast(Pack.members, Text).contains(str(client_id))  # narrows; the rule decides
        others = named
        if family_id is not None:
            relatives = select(Client.id).where(
                Client.tenant_id == tenant_id, Client.family_id == family_id
            )
            others = or_(named, Pack.client_id.in_(relatives))
        query = (
            select(Pack, Client.family_id)
            .outerjoin(Client, and_(Client.id == Pack.client_id, Client.tenant_id == tenant_id))
            .where(
                Pack.tenant_id == tenant_id,
                or_(Pack.client_id == client_id, and_(Pack.shared.is_(True), others)),
                Pack.status == "active",
                Pack.starts_on <= day,
                or_(Pack.ends_on.is_(None), Pack.ends_on >= day),
            )
            .order_by(Pack.id)
        )
        if lock:
            query = query.with_for_update(of=Pack)
        return [(pack, owner_family) for pack, owner_family in await self.session.execute(query)]

    async def may_share(self, tenant_id: uuid.UUID, pack: Pack, client_id: uuid.UUID) -> bool:
        """Whether the client may use the shared pack now: named on it, or in its owner's
        family (both of this organisation)."""
        if str(client_id) in pack.members:
            return True
        rows = await self.session.execute(
            select(Client.id, Client.family_id).where(
                Client.tenant_id == tenant_id, Client.id.in_([client_id, pack.client_id])
            )
        )
        families = {client: family for client, family in rows}
        family = families.get(client_id)
        return family is not None and family == families.get(pack.client_id)

    async def freezes(self, pack_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[PackFreeze]]:
        out: dict[uuid.UUID, list[PackFreeze]] = {p: [] for p in pack_ids}
        if not pack_ids:
            return out
        rows = await self.session.execute(
            select(PackFreeze)
            .where(PackFreeze.pack_id.in_(pack_ids))
            .order_by(PackFreeze.from_date)
        )
        for row in rows.scalars():
            out[row.pack_id].append(row)
        return out

    async def usages(self, tenant_id: uuid.UUID, pack_id: uuid.UUID) -> Sequence[Usage]:
        rows = await self.session.execute(
            select(Usage)
            .where(Usage.tenant_id == tenant_id, Usage.pack_id == pack_id)
            .order_by(Usage.lesson_date, Usage.id)
        )
        return list(rows.scalars())

    async def events(self, tenant_id: uuid.UUID, pack_id: uuid.UUID) -> Sequence[PackEvent]:
        rows = await self.session.execute(
            select(PackEvent)
            .where(PackEvent.tenant_id == tenant_id, PackEvent.pack_id == pack_id)
            .order_by(PackEvent.at, PackEvent.id)
        )
        return list(rows.scalars())

    async def report(
        self,
        tenant_id: uuid.UUID,
        *,
        today: date,
        from_date: date | None,
        to_date: date | None,
        client_id: uuid.UUID | None,
        branch_ids: frozenset[uuid.UUID] | None,
        cursor: str | None,
        limit: int,
    ) -> Sequence[Pack]:
        """Active packs by default; with a date range, every pack valid at some day of it
        (expired ones too)."""
        query = select(Pack).where(Pack.tenant_id == tenant_id)
        if from_date is None and to_date is None:
            query = query.where(
                Pack.status == "active",
                Pack.starts_on <= today,
                or_(Pack.ends_on.is_(None), Pack.ends_on >= today),
            )
        else:
            if to_date is not None:
                query = query.where(Pack.starts_on <= to_date)
            if from_date is not None:
                query = query.where(or_(Pack.ends_on.is_(None), Pack.ends_on >= from_date))
        if client_id is not None:
            query = query.where(Pack.client_id == client_id)
        if branch_ids is not None:
            query = query.where(Pack.branch_id.in_(branch_ids))
        return list((await self.session.execute(keyset(query, Pack.id, cursor, limit))).scalars())
