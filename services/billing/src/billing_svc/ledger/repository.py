"""Every query on the ledger: writing entries with their postings and the cached figures
(client balances, classes left, monthly totals) in the same transaction, and reading them."""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Select, Table, and_, func, insert, select, text, update
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
from crm_contracts.ids import uuid7
from crm_platform.db import pg_connection
from crm_platform.errors import ConflictError
from crm_platform.pagination import keyset

NIL = uuid.UUID(int=0)
# Written through Core: one cached statement for any number of rows.
ENTRIES = cast(Table, Entry.__table__)
POSTINGS = cast(Table, PostingRow.__table__)
ALLOCATIONS = cast(Table, Allocation.__table__)
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
    return _insert_for(session.get_bind().dialect.name, table)


def _insert_for(dialect: str, table: Any) -> Any:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


@functools.cache
def _add_to_balances(dialect: str) -> Any:
    """Built once: the statement adding deltas to cached balances, returning the new ones."""
    table = ClientBalance.__table__
    stmt = _insert_for(dialect, table)
    return stmt.on_conflict_do_update(
        index_elements=["tenant_id", "client_id"],
        set_={
            "balance_minor": table.c.balance_minor + stmt.excluded.balance_minor,
            "sequence": table.c.sequence + 1,
        },
    ).returning(table.c.tenant_id, table.c.client_id, table.c.balance_minor, table.c.sequence)


@functools.cache
def _add_to_totals(dialect: str) -> Any:
    """Built once: the statement adding amounts and counts to the cached monthly totals."""
    table = MonthlyTotal.__table__
    stmt = _insert_for(dialect, table)
    return stmt.on_conflict_do_update(
        index_elements=["tenant_id", "month", "measure", "dim", "dim_id", "shard"],
        set_={
            "amount_minor": table.c.amount_minor + stmt.excluded.amount_minor,
            "count": table.c.count + stmt.excluded.count,
        },
    )


def month_of(day: date) -> date:
    return day.replace(day=1)


NO_DIMENSIONS = Dimensions()


class TotalKey(NamedTuple):
    tenant_id: uuid.UUID
    month: date
    measure: str
    dim: str
    dim_id: uuid.UUID


@dataclass(frozen=True)
class NewEntry:
    """An entry to write, with its postings and what it is reported under."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    kind: str
    postings: Sequence[Posting]
    booked_on: date
    by: str
    client_id: uuid.UUID | None = None
    other_client_id: uuid.UUID | None = None
    pack_id: uuid.UUID | None = None
    dims: Dimensions = NO_DIMENSIONS
    method: str | None = None
    amount_minor: int = 0
    classes: int = 0
    comment: str | None = None
    reverses_id: uuid.UUID | None = None
    # A reversal leaves the figures of the month (and dimensions) of the entry it cancels.
    report_month: date | None = None
    report_dims: Dimensions | None = None

    def row(self, now: datetime) -> dict[str, Any]:
        return {
            "id": self.id,
            "tenant_id": self.tenant_id,
            "kind": self.kind,
            "client_id": self.client_id,
            "other_client_id": self.other_client_id,
            "pack_id": self.pack_id,
            "service_id": self.dims.service_id,
            "branch_id": self.dims.branch_id,
            "group_id": self.dims.group_id,
            "teacher_id": self.dims.teacher_id,
            "method": self.method,
            "amount_minor": self.amount_minor,
            "classes": self.classes,
            "booked_on": self.booked_on,
            "comment": self.comment,
            "reverses_id": self.reverses_id,
            "created_by": self.by,
            "created_at": now,
        }


def _measures(postings: Sequence[Posting]) -> dict[str, int]:
    """Revenue (charges less refunds) and money received, as the monthly figures count them."""
    return {
        "revenue": -sum(p.amount for p in postings if p.unit == MONEY and p.account == REVENUE),
        "received": sum(
            p.amount for p in postings if p.unit == MONEY and p.account.startswith("cash:")
        ),
    }


@dataclass(frozen=True)
class LedgerWrite:
    """The rows a batch of entries writes: entries, postings, and the deltas of the cached
    figures, one per key however many entries share it, keys sorted (rows locked in one
    order by every writer)."""

    entries: list[dict[str, Any]]
    postings: list[dict[str, Any]]
    classes: list[tuple[tuple[uuid.UUID, uuid.UUID], int]]
    balances: list[tuple[uuid.UUID, uuid.UUID, int]]
    totals: list[dict[str, Any]]

    @classmethod
    def of(cls, entries: Sequence[NewEntry], now: datetime) -> LedgerWrite:
        kept = [balanced(e.postings) for e in entries]
        classes: dict[tuple[uuid.UUID, uuid.UUID], int] = defaultdict(int)
        moved: dict[tuple[uuid.UUID, uuid.UUID], int] = defaultdict(int)
        for e, postings in zip(entries, kept, strict=True):
            for pack, delta in class_deltas(postings).items():
                classes[(e.tenant_id, pack)] += delta
            for client, delta in balance_deltas(postings).items():
                moved[(e.tenant_id, client)] += delta
        return cls(
            entries=[e.row(now) for e in entries],
            postings=[
                {
                    "entry_id": e.id,
                    "tenant_id": e.tenant_id,
                    "account": p.account,
                    "unit": p.unit,
                    "amount": p.amount,
                }
                for e, postings in zip(entries, kept, strict=True)
                for p in postings
            ],
            classes=[(key, delta) for key, delta in sorted(classes.items()) if delta],
            balances=[(t, c, delta) for (t, c), delta in sorted(moved.items()) if delta],
            totals=_totals(entries, kept, shard=entries[0].id.int % SHARDS) if entries else [],
        )


def _totals(
    entries: Sequence[NewEntry], postings: Sequence[Sequence[Posting]], *, shard: int
) -> list[dict[str, Any]]:
    """What the entries add to the cached monthly figures. A reversal counts against the
    month and dimensions of the entry it cancels (the caller gives those)."""
    # Keyed by the entries' (tenant, month, dimensions) first: hashing UUIDs is dear, and
    # the entries of a batch mostly share them.
    grouped: dict[tuple[uuid.UUID, date, Dimensions], list[int]] = {}
    for entry, kept in zip(entries, postings, strict=True):
        measures = _measures(kept)
        if not any(measures.values()):
            continue
        month = entry.report_month or month_of(entry.booked_on)
        dims = entry.report_dims or entry.dims
        sums = grouped.setdefault((entry.tenant_id, month, dims), [0, 0, 0, 0])
        step = 1 if entry.reverses_id is None else -1
        for n, amount in enumerate((measures["revenue"], measures["received"])):
            if amount:
                sums[2 * n] += amount
                sums[2 * n + 1] += step
    amounts: dict[TotalKey, int] = defaultdict(int)
    counts: dict[TotalKey, int] = defaultdict(int)
    for (tenant_id, month, dims), sums in grouped.items():
        for n, measure in enumerate(("revenue", "received")):
            amount, count = sums[2 * n], sums[2 * n + 1]
            if amount == 0 and count == 0:
                continue
            for dim, value in (
                ("all", None),
                ("branch", dims.branch_id),
                ("group", dims.group_id),
                ("teacher", dims.teacher_id),
                ("service", dims.service_id),
            ):
                key = TotalKey(tenant_id, month, measure, dim, value or NIL)
                amounts[key] += amount
                counts[key] += count
    return [
        key._asdict() | {"shard": shard, "amount_minor": amount, "count": counts[key]}
        for key, amount in sorted(amounts.items())
    ]


def _columns(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> list[list[Any]]:
    return [[row[name] for row in rows] for name in names]


ENTRY_COLUMNS = [c.name for c in ENTRIES.columns]
TOTAL_COLUMNS = ["tenant_id", "month", "measure", "dim", "dim_id", "shard", "amount_minor", "count"]
POSTING_COLUMNS = ["entry_id", "tenant_id", "account", "unit", "amount"]


def _unnest(first: int, columns: Sequence[Any]) -> str:
    """unnest()'s arguments: one array parameter per column, of the column's type."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return ", ".join(
        f"${first + n}::{c.type.compile(dialect=dialect)}[]" for n, c in enumerate(columns)
    )


def ledger_ctes() -> str:
    """The CTEs writing a LedgerWrite from parameters $1 to $LEDGER_PARAMS (the arrays
    write_arrays() gives, in order); `balances` returns the new balances."""
    totals = MonthlyTotal.__table__.c
    postings_first = len(ENTRY_COLUMNS) + 1
    totals_first = postings_first + len(POSTING_COLUMNS)
    balances = totals_first + len(TOTAL_COLUMNS)
    entry_arrays = _unnest(1, list(ENTRIES.columns))
    posting_arrays = _unnest(postings_first, [POSTINGS.c[n] for n in POSTING_COLUMNS])
    total_arrays = _unnest(totals_first, [totals[n] for n in TOTAL_COLUMNS])
    return f"""
entries AS (
    INSERT INTO ledger_entries ({", ".join(ENTRY_COLUMNS)})
    SELECT * FROM unnest({entry_arrays})
), postings AS (
    INSERT INTO ledger_postings ({", ".join(POSTING_COLUMNS)})
    SELECT * FROM unnest({posting_arrays})
), totals AS (
    INSERT INTO monthly_totals ({", ".join(TOTAL_COLUMNS)})
    SELECT * FROM unnest({total_arrays})
    ON CONFLICT (tenant_id, month, measure, dim, dim_id, shard) DO UPDATE
    SET amount_minor = monthly_totals.amount_minor + excluded.amount_minor,
        count = monthly_totals.count + excluded.count
), balances AS (
    INSERT INTO client_balances (tenant_id, client_id, balance_minor, sequence)
    SELECT *, 1 FROM unnest(${balances}::uuid[], ${balances + 1}::uuid[], ${balances + 2}::int8[])
    ON CONFLICT (tenant_id, client_id) DO UPDATE
    SET balance_minor = client_balances.balance_minor + excluded.balance_minor,
        sequence = client_balances.sequence + 1
    RETURNING tenant_id, client_id, balance_minor, sequence
)"""


LEDGER_PARAMS = len(ENTRY_COLUMNS) + len(POSTING_COLUMNS) + len(TOTAL_COLUMNS) + 3


def write_arrays(plan: LedgerWrite) -> list[list[Any]]:
    """The parameters of ledger_ctes() for the plan."""
    return [
        *_columns(plan.entries, ENTRY_COLUMNS),
        *_columns(plan.postings, POSTING_COLUMNS),
        *_columns(plan.totals, TOTAL_COLUMNS),
        [t for t, _, _ in plan.balances],
        [c for _, c, _ in plan.balances],
        [d for _, _, d in plan.balances],
    ]


PG_WRITE = (
    f"WITH {ledger_ctes()}\nSELECT tenant_id, client_id, balance_minor, sequence FROM balances"
)


class Balance(NamedTuple):
    """A client's balance as a write left it, with the balance row's count of changes."""

    minor: int
    sequence: int


Balances = dict[tuple[uuid.UUID, uuid.UUID], Balance]


async def _write_pg(conn: Any, plan: LedgerWrite) -> Balances:
    """The plan in one statement and one round trip."""
    rows = await conn.fetch(PG_WRITE, *write_arrays(plan))
    return {
        (r["tenant_id"], r["client_id"]): Balance(int(r["balance_minor"]), int(r["sequence"]))
        for r in rows
    }


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
            balances = await _write_pg(pg, plan)
        else:
            await self.session.execute(insert(ENTRIES), plan.entries)
            await self.session.execute(insert(POSTINGS), plan.postings)
            balances = await self._move_balances(plan.balances)
            if plan.totals:
                dialect = self.session.get_bind().dialect.name
                await self.session.execute(_add_to_totals(dialect), plan.totals)
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
            _add_to_balances(self.session.get_bind().dialect.name),
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
