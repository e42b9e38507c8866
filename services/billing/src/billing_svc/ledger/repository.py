"""Every query on the ledger: writing entries with their postings and the cached figures
(client balances, classes left, monthly totals) in the same transaction, and reading them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Select, and_, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.domain.ledger import (
    MONEY,
    REVENUE,
    Posting,
    balance_deltas,
    balanced,
    class_deltas,
)
from billing_svc.models import (
    Allocation,
    ClientBalance,
    Entry,
    MonthlyTotal,
    Pack,
    PostingRow,
    Reversal,
)
from crm_platform.errors import ConflictError
from crm_platform.pagination import keyset

NIL = uuid.UUID(int=0)
SHARDS = 16


@dataclass(frozen=True)
class Dimensions:
    """What a money movement is reported under."""

    branch_id: uuid.UUID | None = None
    group_id: uuid.UUID | None = None
    teacher_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None


class NotEnoughClassesError(ConflictError):
    def __init__(self) -> None:
        super().__init__("the pack has no classes left for this")


class AlreadyReversedError(ConflictError):
    def __init__(self) -> None:
        super().__init__("this entry is already cancelled")


def _upsert(session: AsyncSession, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def month_of(day: date) -> date:
    return day.replace(day=1)


NO_DIMENSIONS = Dimensions()


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
    ) -> tuple[Entry, dict[uuid.UUID, int]]:
        """Writes one balanced entry. Returns it and the new balance of each client it moved.

        Classes left on packs and client balances change in this transaction; a pack would
        go below zero -> NotEnoughClassesError (the database's check refuses it too).
        """
        kept = balanced(postings)
        entry = Entry(
            id=entry_id,
            tenant_id=tenant_id,
            kind=kind,
            client_id=client_id,
            other_client_id=other_client_id,
            pack_id=pack_id,
            service_id=dims.service_id,
            branch_id=dims.branch_id,
            group_id=dims.group_id,
            teacher_id=dims.teacher_id,
            method=method,
            amount_minor=amount_minor,
            classes=classes,
            booked_on=booked_on,
            comment=comment,
            reverses_id=reverses.id if reverses is not None else None,
            created_by=by,
            created_at=now,
        )
        self.session.add(entry)
        await self.session.flush()
        await self.session.execute(
            insert(PostingRow),
            [
                {
                    "entry_id": entry.id,
                    "tenant_id": tenant_id,
                    "account": p.account,
                    "unit": p.unit,
                    "amount": p.amount,
                }
                for p in kept
            ],
        )
        for pack, delta in sorted(class_deltas(kept).items()):
            await self._move_classes(tenant_id, pack, delta)
        balances = {}
        for client, delta in sorted(balance_deltas(kept).items()):
            balances[client] = await self._move_balance(tenant_id, client, delta)
        await self._add_totals(
            tenant_id,
            kept,
            report_month or month_of(booked_on),
            report_dims or dims,
            shard=entry.id.int % SHARDS,
            counted=reverses is None,
        )
        return entry, balances

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

    async def _move_balance(self, tenant_id: uuid.UUID, client_id: uuid.UUID, delta: int) -> int:
        stmt = _upsert(self.session, ClientBalance.__table__).values(
            tenant_id=tenant_id, client_id=client_id, balance_minor=delta
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["tenant_id", "client_id"],
            set_={"balance_minor": ClientBalance.__table__.c.balance_minor + delta},
        ).returning(ClientBalance.__table__.c.balance_minor)
        return int((await self.session.execute(stmt)).scalar_one())

    async def _add_totals(
        self,
        tenant_id: uuid.UUID,
        postings: Sequence[Posting],
        month: date,
        dims: Dimensions,
        *,
        shard: int,
        counted: bool,
    ) -> None:
        revenue = -sum(p.amount for p in postings if p.unit == MONEY and p.account == REVENUE)
        received = sum(
            p.amount for p in postings if p.unit == MONEY and p.account.startswith("cash:")
        )
        measures = {"revenue": revenue, "received": received}
        keys: dict[tuple[str, str, uuid.UUID], int] = defaultdict(int)
        for measure, amount in measures.items():
            if amount == 0:
                continue
            keys[(measure, "all", NIL)] += amount
            for dim, value in (
                ("branch", dims.branch_id),
                ("group", dims.group_id),
                ("teacher", dims.teacher_id),
                ("service", dims.service_id),
            ):
                keys[(measure, dim, value or NIL)] += amount
        if not keys:
            return
        table = MonthlyTotal.__table__
        rows = [
            {
                "tenant_id": tenant_id,
                "month": month,
                "measure": measure,
                "dim": dim,
                "dim_id": dim_id,
                "shard": shard,
                "amount_minor": amount,
                "count": 1 if counted else -1,
            }
            for (measure, dim, dim_id), amount in sorted(keys.items(), key=lambda kv: str(kv[0]))
        ]
        stmt = _upsert(self.session, table).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=["tenant_id", "month", "measure", "dim", "dim_id", "shard"],
            set_={
                "amount_minor": table.c.amount_minor + stmt.excluded.amount_minor,
                "count": table.c.count + stmt.excluded.count,
            },
        )
        await self.session.execute(stmt)

    async def add_reversal(
        self, tenant_id: uuid.UUID, original: Entry, reversal: Entry, reason: str | None
    ) -> None:
        """The primary key refuses a second reversal of one entry, even from another process
        (a concurrent one waits for the first to commit, then inserts nothing)."""
        stmt = (
            _upsert(self.session, Reversal.__table__)
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
        if not rows:
            return
        from crm_contracts.ids import uuid7

        await self.session.execute(
            insert(Allocation),
            [
                {
                    "id": uuid7(),
                    "tenant_id": tenant_id,
                    "entry_id": entry_id,
                    "target": target,
                    "target_id": target_id,
                    "amount_minor": amount,
                }
                for target, target_id, amount in rows
            ],
        )

    async def lock_entry_for_reversal(self, tenant_id: uuid.UUID, entry_id: uuid.UUID) -> None:
        """Serialises cancels of one entry so the loser sees the winner's reversal."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                {"k": f"reverse:{tenant_id}:{entry_id}"},
            )

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
