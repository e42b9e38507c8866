"""Every query on the ledger: writing entries with their postings and the cached figures
(client balances, classes left, monthly totals) in the same transaction, and reading them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Select, and_, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.domain.ledger import (
    Posting,
)
from billing_svc.ledger.plan import (
    NO_DIMENSIONS,
    Balance,
    Balances,
    Dimensions,
    LedgerWrite,
    NewEntry,
)
from billing_svc.ledger.write_repository import (
    ALLOCATIONS,
    ENTRIES,
    POSTINGS,
    add_to_balances,
    add_to_totals,
    upsert,
    write_pg,
)
from billing_svc.models import (
    Allocation,
    ClientBalance,
    Entry,
    Pack,
    PostingRow,
    Reversal,
)
from crm_contracts.ids import uuid7
from crm_platform.db import advisory_lock, pg_connection
from crm_platform.errors import ConflictError
from crm_platform.pagination import keyset


class NotEnoughClassesError(ConflictError):
    def __init__(self) -> None:
        super().__init__("the pack has no classes left for this")


class AlreadyReversedError(ConflictError):
    def __init__(self) -> None:
        super().__init__("this entry is already cancelled")


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- writing ----------------------------------------------------------------------

    async def post(
        self,
        *,
        tenant_id: uuid.UUID,
        kind: str,
        postings: Sequence[Posting],
        booked_on: date,
        by: str,
        now: datetime,
        entry_id: uuid.UUID,
        client_id: uuid.UUID | None = None,
        other_client_id: uuid.UUID | None = None,
        pack_id: uuid.UUID | None = None,
        dims: Dimensions = NO_DIMENSIONS,
        method: str | None = None,
        amount_minor: int = 0,
        classes: int = 0,
        comment: str | None = None,
        reverses: Entry | None = None,
        report_month: date | None = None,
        report_dims: Dimensions | None = None,
    ) -> tuple[Entry, dict[uuid.UUID, Balance]]:
        """Writes one balanced entry. Returns it and the new balance of each client it moved.

        Classes left on packs and client balances change in this transaction; a pack would
        go below zero -> NotEnoughClassesError (the database's check refuses it too).
        """
        entry = NewEntry(
            id=entry_id,
            tenant_id=tenant_id,
            kind=kind,
            postings=postings,
            booked_on=booked_on,
            by=by,
            client_id=client_id,
            other_client_id=other_client_id,
            pack_id=pack_id,
            dims=dims,
            method=method,
            amount_minor=amount_minor,
            classes=classes,
            comment=comment,
            reverses_id=reverses.id if reverses is not None else None,
            report_month=report_month,
            report_dims=report_dims,
        )
        (row,), balances = await self.post_many([entry], now)
        return Entry(**row), {client: b for (_, client), b in balances.items()}

    async def post_many(
        self, entries: Sequence[NewEntry], now: datetime
    ) -> tuple[list[dict[str, Any]], Balances]:
        """Writes balanced entries with one statement per table, however many there are
        (on PostgreSQL one statement for all tables: rows passed as arrays). Returns their
        rows and the new balance of each (tenant, client) they moved."""
        plan = LedgerWrite.of(entries, now)
        for (tenant_id, pack), delta in plan.classes:  # packs first, as their other writers
            await self._move_classes(tenant_id, pack, delta)
        pg = await pg_connection(self.session)
        if pg is not None:
            balances = await write_pg(pg, plan)
        else:
            await self.session.execute(insert(ENTRIES), plan.entries)
            await self.session.execute(insert(POSTINGS), plan.postings)
            balances = await self._move_balances(plan.balances)
            if plan.totals:
                dialect = self.session.get_bind().dialect.name
                await self.session.execute(add_to_totals(dialect), plan.totals)
        return plan.entries, balances

    async def _move_classes(self, tenant_id: uuid.UUID, pack_id: uuid.UUID, delta: int) -> None:
        result = await self.session.execute(
            update(Pack)
            .where(
                Pack.id == pack_id,
                Pack.tenant_id == tenant_id,
                Pack.classes_left + delta >= 0,
            )
            .values(classes_left=Pack.classes_left + delta)
            .returning(Pack.classes_left)
        )
        if result.scalar_one_or_none() is None:
            counted = await self.session.execute(
                select(Pack.classes_left).where(Pack.id == pack_id, Pack.tenant_id == tenant_id)
            )
            if counted.scalar_one_or_none() is None:
                # An unlimited pack carries no class postings; a missing pack is a bug.
                raise RuntimeError(f"class postings on a pack without a count: {pack_id}")
            raise NotEnoughClassesError()

    async def _move_balances(self, deltas: list[tuple[uuid.UUID, uuid.UUID, int]]) -> Balances:
        """Adds each delta to its cached balance (rows come sorted: no deadlocks)."""
        if not deltas:
            return {}
        result = await self.session.execute(
            add_to_balances(self.session.get_bind().dialect.name),
            [
                {"tenant_id": tenant, "client_id": client, "balance_minor": delta, "sequence": 1}
                for tenant, client, delta in deltas
            ],
        )
        return {
            (r.tenant_id, r.client_id): Balance(int(r.balance_minor), int(r.sequence))
            for r in result
        }

    async def add_reversal(
        self, tenant_id: uuid.UUID, original: Entry, reversal: Entry, reason: str | None
    ) -> None:
        """The primary key refuses a second reversal of one entry, even from another process
        (a concurrent one waits for the first to commit, then inserts nothing)."""
        stmt = (
            upsert(self.session, Reversal.__table__)
            .values(
                reversed_entry_id=original.id,
                reversal_entry_id=reversal.id,
                tenant_id=tenant_id,
                reason=reason,
                created_at=reversal.created_at,
            )
            .on_conflict_do_nothing()
            .returning(Reversal.__table__.c.reversed_entry_id)
        )
        if (await self.session.execute(stmt)).first() is None:
            raise AlreadyReversedError()

    async def add_allocations(
        self, tenant_id: uuid.UUID, entry_id: uuid.UUID, rows: list[tuple[str, uuid.UUID, int]]
    ) -> None:
        await self.add_allocations_many(
            [(tenant_id, entry_id, target, target_id, amount) for target, target_id, amount in rows]
        )

    async def add_allocations_many(
        self, rows: Sequence[tuple[uuid.UUID, uuid.UUID, str, uuid.UUID, int]]
    ) -> None:
        """(tenant, payment entry, target kind, target id, amount) rows, in one statement."""
        if not rows:
            return
        await self.session.execute(
            insert(ALLOCATIONS),
            [
                {
                    "id": uuid7(),
                    "tenant_id": tenant_id,
                    "entry_id": entry_id,
                    "target": target,
                    "target_id": target_id,
                    "amount_minor": amount,
                }
                for tenant_id, entry_id, target, target_id, amount in rows
            ],
        )

    async def lock_pack(self, pack_id: uuid.UUID) -> None:
        """Locks the pack's row until the transaction ends."""
        await self.session.execute(select(Pack.id).where(Pack.id == pack_id).with_for_update())

    async def lock_entry_for_reversal(self, tenant_id: uuid.UUID, entry_id: uuid.UUID) -> None:
        """Serialises cancels of one entry so the loser sees the winner's reversal."""
        await advisory_lock(self.session, f"reverse:{tenant_id}:{entry_id}")

    # --- reading ----------------------------------------------------------------------

    async def entry(self, tenant_id: uuid.UUID, entry_id: uuid.UUID) -> Entry | None:
        row = await self.session.get(Entry, entry_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def postings(self, entry_id: uuid.UUID) -> list[Posting]:
        rows = await self.session.execute(
            select(PostingRow.account, PostingRow.unit, PostingRow.amount)
            .where(PostingRow.entry_id == entry_id)
            .order_by(PostingRow.id)
        )
        return [Posting(r.account, r.unit, r.amount) for r in rows]

    async def reversal_of(self, entry_id: uuid.UUID) -> Reversal | None:
        return await self.session.get(Reversal, entry_id)

    async def balance(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> int:
        row = await self.session.get(ClientBalance, (tenant_id, client_id))
        return row.balance_minor if row is not None else 0

    def _entries_query(self, tenant_id: uuid.UUID) -> Select[Any]:
        return cast(
            Select[Any],
            select(Entry, Reversal.reversal_entry_id)
            .outerjoin(Reversal, Reversal.reversed_entry_id == Entry.id)
            .where(Entry.tenant_id == tenant_id),
        )

    async def client_entries(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, cursor: str | None, limit: int
    ) -> list[tuple[Entry, uuid.UUID | None]]:
        query = self._entries_query(tenant_id).where(
            (Entry.client_id == client_id) | (Entry.other_client_id == client_id)
        )
        rows = await self.session.execute(keyset(query, Entry.id, cursor, limit))
        return [(r[0], r[1]) for r in rows]

    async def payments(
        self,
        tenant_id: uuid.UUID,
        *,
        from_date: date | None,
        to_date: date | None,
        client_id: uuid.UUID | None,
        method: str | None,
        branch_ids: frozenset[uuid.UUID] | None,
        include_cancelled: bool,
        cursor: str | None,
        limit: int,
    ) -> list[tuple[Entry, uuid.UUID | None]]:
        query = self._entries_query(tenant_id).where(Entry.kind == "payment")
        if from_date is not None:
            query = query.where(Entry.booked_on >= from_date)
        if to_date is not None:
            query = query.where(Entry.booked_on <= to_date)
        if client_id is not None:
            query = query.where(Entry.client_id == client_id)
        if method is not None:
            query = query.where(Entry.method == method)
        if branch_ids is not None:
            query = query.where(Entry.branch_id.in_(branch_ids))
        if not include_cancelled:
            query = query.where(Reversal.reversed_entry_id.is_(None))
        rows = await self.session.execute(keyset(query, Entry.id, cursor, limit))
        return [(r[0], r[1]) for r in rows]

    async def allocations(self, entry_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Any]]:
        out: dict[uuid.UUID, list[Any]] = {e: [] for e in entry_ids}
        if not entry_ids:
            return out
        rows = await self.session.execute(
            select(Allocation).where(Allocation.entry_id.in_(entry_ids)).order_by(Allocation.id)
        )
        for row in rows.scalars():
            out[row.entry_id].append(row)
        return out

    async def allocated_to(self, tenant_id: uuid.UUID, target_id: uuid.UUID) -> int:
        """Live (not cancelled) payments allocated to a pack or an invoice."""
        total = await self.session.execute(
            select(func.coalesce(func.sum(Allocation.amount_minor), 0))
            .outerjoin(Reversal, Reversal.reversed_entry_id == Allocation.entry_id)
            .where(
                and_(
                    Allocation.tenant_id == tenant_id,
                    Allocation.target_id == target_id,
                    Reversal.reversed_entry_id.is_(None),
                )
            )
        )
        return int(total.scalar_one())
