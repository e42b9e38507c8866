"""The ledger's write statements, for its repository and the payments writer's: the PostgreSQL
statement writing a LedgerWrite in one round trip (entries, postings, monthly totals and
balances as CTEs over arrays), to which the payments writer adds its own CTEs; and the
statements that add to the cached figures on either database."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.ledger.plan import Balance, Balances, LedgerWrite
from billing_svc.models import Allocation, ClientBalance, Entry, MonthlyTotal, PostingRow

# Written through Core: one cached statement for any number of rows.
ENTRIES = cast(Table, Entry.__table__)
POSTINGS = cast(Table, PostingRow.__table__)
ALLOCATIONS = cast(Table, Allocation.__table__)


def upsert(session: AsyncSession, table: Any) -> Any:
    return _insert_for(session.get_bind().dialect.name, table)


def _insert_for(dialect: str, table: Any) -> Any:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


@functools.cache
def add_to_balances(dialect: str) -> Any:
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
def add_to_totals(dialect: str) -> Any:
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


async def write_pg(conn: Any, plan: LedgerWrite) -> Balances:
    """The plan in one statement and one round trip."""
    rows = await conn.fetch(PG_WRITE, *write_arrays(plan))
    return {
        (r["tenant_id"], r["client_id"]): Balance(int(r["balance_minor"]), int(r["sequence"]))
        for r in rows
    }
