"""The reports' queries on the ledger and the debt snapshots, scoped by tenant."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    String,
    Uuid,
    case,
    cast,
    exists,
    func,
    insert,
    literal_column,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.domain.ledger import MONEY
from billing_svc.domain.month_ends import Debt
from billing_svc.models import (
    LATE_ENTRY,
    Client,
    ClientBalance,
    DebtSnapshot,
    DebtSnapshotBalance,
    Entry,
    MonthlyTotal,
    Organisation,
    PostingRow,
)
from crm_platform.db import insert_once

Branch = uuid.UUID | None
CLIENT_PREFIX = "client:"


def client_of(account: str) -> uuid.UUID:
    return uuid.UUID(account.removeprefix(CLIENT_PREFIX))


@dataclass(frozen=True, slots=True)
class Movement:
    """A client account's money posting of an entry."""

    client_id: uuid.UUID
    booked_on: date
    created_at: datetime
    amount: int  # as posted: a charge is positive, a payment negative


class ReportsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _client_money(self, tenant_id: uuid.UUID) -> Select[Any]:
        """Client accounts' money postings joined to their entries (columns to be chosen)."""
        return (
            select()
            .select_from(PostingRow)
            .join(Entry, Entry.id == PostingRow.entry_id)
            .where(
                PostingRow.tenant_id == tenant_id,
                Entry.tenant_id == tenant_id,
                PostingRow.unit == MONEY,
                PostingRow.account.like(CLIENT_PREFIX + "%"),
            )
        )

    # --- debt now ---------------------------------------------------------------------------

    async def monthly_totals(
        self, tenant_id: uuid.UUID, oldest: date, last: date, scope: frozenset[uuid.UUID] | None
    ) -> list[tuple[date, str, str, uuid.UUID, int]]:
        """The cached monthly figures from `oldest` to `last` (first days of months), summed
        over shards: (month, measure, dimension, its id, amount)."""
        t = MonthlyTotal
        query = (
            select(t.month, t.measure, t.dim, t.dim_id, func.sum(t.amount_minor))
            .where(t.tenant_id == tenant_id, t.month >= oldest, t.month <= last)
            .group_by(t.month, t.measure, t.dim, t.dim_id)
        )
        if scope is not None:
            # A branch-scoped caller sees its branches' rows only; organisation totals are
            # rebuilt from them.
            query = query.where(t.dim == "branch", t.dim_id.in_(scope))
        return [
            (m, measure, dim, dim_id, int(amount))
            for m, measure, dim, dim_id, amount in (await self.session.execute(query)).all()
        ]

    async def add_snapshot_balances(
        self,
        tenant_id: uuid.UUID,
        month: date,
        balances: dict[uuid.UUID, int],
        branches: dict[uuid.UUID, Branch],
    ) -> None:
        await self.session.execute(
            insert(DebtSnapshotBalance),
            [
                {
                    "tenant_id": tenant_id,
                    "month": month,
                    "client_id": client,
                    "branch_id": branches.get(client),
                    "balance_minor": balance,
                }
                for client, balance in balances.items()
            ],
        )

    async def debt_now(
        self, tenant_id: uuid.UUID, scope: frozenset[uuid.UUID] | None
    ) -> dict[Branch, Debt]:
        """What clients owe now (cached balances), by their home branch."""
        query = (
            select(Client.branch_id, func.sum(ClientBalance.balance_minor), func.count())
            .select_from(ClientBalance)
            .outerjoin(
                Client,
                (Client.id == ClientBalance.client_id) & (Client.tenant_id == tenant_id),
            )
            .where(ClientBalance.tenant_id == tenant_id, ClientBalance.balance_minor < 0)
            .group_by(Client.branch_id)
        )
        if scope is not None:
            query = query.where(Client.branch_id.in_(scope))
        rows = await self.session.execute(query)
        return {branch: Debt(-int(owed), int(n)) for branch, owed, n in rows}

    # --- snapshots ----------------------------------------------------------------------------

    async def snapshots(self, tenant_id: uuid.UUID) -> dict[date, datetime]:
        """Months snapshotted, with what each counted (the entries written up to then)."""
        rows = await self.session.execute(
            select(DebtSnapshot.month, DebtSnapshot.counted_until).where(
                DebtSnapshot.tenant_id == tenant_id
            )
        )
        return {month: until for month, until in rows}

    async def snapshot_debts(
        self, tenant_id: uuid.UUID, months: Collection[date], scope: frozenset[uuid.UUID] | None
    ) -> dict[date, dict[Branch, Debt]]:
        b = DebtSnapshotBalance
        query = (
            select(b.month, b.branch_id, func.sum(b.balance_minor), func.count())
            .where(b.tenant_id == tenant_id, b.month.in_(months), b.balance_minor < 0)
            .group_by(b.month, b.branch_id)
        )
        if scope is not None:
            query = query.where(b.branch_id.in_(scope))
        out: dict[date, dict[Branch, Debt]] = {m: {} for m in months}
        for month, branch, owed, n in await self.session.execute(query):
            out[month][branch] = Debt(-int(owed), int(n))
        return out

    async def snapshot_balances_of(
        self, tenant_id: uuid.UUID, months: Collection[date], client_ids: Collection[uuid.UUID]
    ) -> dict[tuple[date, uuid.UUID], tuple[Branch, int]]:
        b = DebtSnapshotBalance
        rows = await self.session.execute(
            select(b.month, b.client_id, b.branch_id, b.balance_minor).where(
                b.tenant_id == tenant_id, b.month.in_(months), b.client_id.in_(client_ids)
            )
        )
        return {(m, c): (branch, balance) for m, c, branch, balance in rows}

    async def late_movements(
        self, tenant_id: uuid.UUID, written_after: datetime, booked_until: date
    ) -> list[Movement]:
        """Client money postings of entries written after `written_after` and booked on or
        before `booked_until`, which the caller knows to be late entries (their index)."""
        dialect = self.session.get_bind().dialect.name
        query = (
            self._client_money(tenant_id)
            .add_columns(PostingRow.account, Entry.booked_on, Entry.created_at, PostingRow.amount)
            .where(
                Entry.created_at > written_after,
                Entry.booked_on <= booked_until,
                text(LATE_ENTRY[dialect]),
            )
        )
        return [
            Movement(client_of(account), booked_on, created_at, int(amount))
            for account, booked_on, created_at, amount in await self.session.execute(query)
        ]

    async def client_branches(
        self, tenant_id: uuid.UUID, client_ids: Collection[uuid.UUID] | None = None
    ) -> dict[uuid.UUID, Branch]:
        query = select(Client.id, Client.branch_id).where(Client.tenant_id == tenant_id)
        if client_ids is not None:
            query = query.where(Client.id.in_(client_ids))
        return {c: branch for c, branch in await self.session.execute(query)}

    # --- live, from the cached balances back -----------------------------------------------

    async def balances_before(
        self, tenant_id: uuid.UUID, ends: Sequence[date]
    ) -> tuple[dict[uuid.UUID, tuple[Branch, int]], dict[uuid.UUID, list[int]]]:
        """The cached balances with the clients' home branches, and per client the sum of
        client money postings booked after each of `ends`: in one statement, so both come
        from the same moment of the database."""
        later = (
            self._client_money(tenant_id)
            .add_columns(
                PostingRow.account.label("account"),
                *(
                    func.sum(case((Entry.booked_on > end, PostingRow.amount), else_=0)).label(
                        f"after_{n}"
                    )
                    for n, end in enumerate(ends)
                ),
            )
            .where(Entry.booked_on > min(ends))
            .group_by(PostingRow.account)
        )
        cached = (
            select(
                ClientBalance.client_id.label("client_id"),
                Client.branch_id.label("branch_id"),
                ClientBalance.balance_minor.label("balance"),
                cast(null(), String).label("account"),
                *(
                    cast(literal_column("0"), BigInteger).label(f"after_{n}")
                    for n in range(len(ends))
                ),
            )
            .outerjoin(
                Client,
                (Client.id == ClientBalance.client_id) & (Client.tenant_id == tenant_id),
            )
            .where(ClientBalance.tenant_id == tenant_id)
        )
        sums = later.subquery()
        moved = select(
            cast(null(), Uuid).label("client_id"),
            cast(null(), Uuid).label("branch_id"),
            cast(literal_column("0"), BigInteger).label("balance"),
            sums.c.account,
            *(sums.c[f"after_{n}"] for n in range(len(ends))),
        )
        balances: dict[uuid.UUID, tuple[Branch, int]] = {}
        after: dict[uuid.UUID, list[int]] = {}
        statement: Any = union_all(cached, moved)
        rows: list[tuple[Any, ...]] = [tuple(r) for r in await self.session.execute(statement)]
        for client_id, branch_id, balance, account, *sums_after in rows:
            if account is None:
                balances[client_id] = (branch_id, int(balance))
            else:
                after[client_of(account)] = [int(x) for x in sums_after]
        return balances, after

    # --- for the snapshot job ---------------------------------------------------------------

    async def tenants_without(self, month: date) -> list[uuid.UUID]:
        taken = exists().where(
            DebtSnapshot.tenant_id == Organisation.id, DebtSnapshot.month == month
        )
        rows = await self.session.execute(
            select(Organisation.id).where(~taken).order_by(Organisation.id)
        )
        return list(rows.scalars())

    async def claim_snapshot(
        self, tenant_id: uuid.UUID, month: date, counted_until: datetime, at: datetime
    ) -> bool:
        """Records the month's snapshot as taken; False when it was (here or elsewhere)."""
        return await insert_once(
            self.session,
            DebtSnapshot,
            tenant_id=tenant_id,
            month=month,
            counted_until=counted_until,
            taken_at=at,
        )

    async def first_booked(self, tenant_id: uuid.UUID) -> date | None:
        found = await self.session.execute(
            select(func.min(Entry.booked_on)).where(Entry.tenant_id == tenant_id)
        )
        return found.scalar_one()

    async def balances_at(
        self, tenant_id: uuid.UUID, end: date, written_until: datetime
    ) -> dict[uuid.UUID, int]:
        """Each client's non-zero balance at the end of `end` from the entries booked on or
        before it and written up to `written_until`."""
        query = (
            self._client_money(tenant_id)
            .add_columns(PostingRow.account, func.sum(PostingRow.amount))
            .where(Entry.booked_on <= end, Entry.created_at <= written_until)
            .group_by(PostingRow.account)
        )
        rows = await self.session.execute(query)
        return {client_of(account): -int(total) for account, total in rows if total}
