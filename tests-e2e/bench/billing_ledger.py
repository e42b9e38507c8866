"""Billing benchmark, its second half (billing.py runs it): the monthly figures of an
organisation with 1,000,000 ledger entries loaded by COPY through the ledger's triggers, with
the cached balances, monthly totals and month-end debt snapshots that summarise them."""

from __future__ import annotations

import random
import statistics
import time
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime
from datetime import time as dtime

import asyncpg
import httpx
from billing_svc.main import create_app
from billing_svc.reports.month_ends import snapshot_debts_once
from billing_svc.settings import Settings

from crm_contracts.ids import uuid7
from crm_platform.internal_auth import Principal
from crm_platform.testing import internal_headers

ENTRIES = 1_000_000
BATCH = 100_000  # entries per loading transaction
CLIENTS = 20_000
BRANCHES = 5
GROUPS = 60
TEACHERS = 20
SERVICES = 30
MONTHS = 12
REPORTS = 40
SHARDS = 16
NIL = uuid.UUID(int=0)
METHODS = ("cash", "card", "transfer")


def months_back(today: date, back: int) -> date:
    index = today.year * 12 + today.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def dsn(url: str) -> str:
    return url.replace("+asyncpg", "")


async def add_organisation(conn: asyncpg.Connection, tenant: uuid.UUID) -> None:
    """The organisation as billing learns it from identity's event."""
    await conn.execute(
        "INSERT INTO organisations (id, currency, time_zone, absence_uses_class, due_soon_days,"
        " version) VALUES ($1, 'PLN', 'Europe/Warsaw', false, 3, 1)",
        tenant,
    )


class Loaded:
    """What the loaded entries add up to: the cached figures billing keeps beside them, and
    each client's balance movement per month (for the month-end debts)."""

    def __init__(self) -> None:
        self.balances: dict[uuid.UUID, int] = defaultdict(int)
        self.moved: dict[tuple[uuid.UUID, date], int] = defaultdict(int)
        self.totals: dict[tuple[date, str, str, uuid.UUID, int], list[int]] = defaultdict(
            lambda: [0, 0]
        )

    def add(
        self, month: date, measure: str, dims: dict[str, uuid.UUID], shard: int, amount: int
    ) -> None:
        for dim, dim_id in (("all", NIL), *dims.items()):
            total = self.totals[(month, measure, dim, dim_id, shard)]
            total[0] += amount
            total[1] += 1

    def debt_at_end(self, month: date) -> int:
        """What clients owed at the end of `month`."""
        balances: dict[uuid.UUID, int] = defaultdict(int)
        for (client, moved_in), amount in self.moved.items():
            if moved_in <= month:
                balances[client] += amount
        return -sum(b for b in balances.values() if b < 0)


async def load_ledger(url: str, tenant: uuid.UUID, today: date) -> Loaded:
    """ENTRIES balanced entries by COPY, BATCH per transaction: sales (client owes, revenue)
    and payments (cash in, client credited). The deferred triggers check each at commit."""
    rng = random.Random(20261124)
    clients = [uuid7() for _ in range(CLIENTS)]
    branches = [uuid.uuid4() for _ in range(BRANCHES)]
    groups = [uuid.uuid4() for _ in range(GROUPS)]
    teachers = [uuid.uuid4() for _ in range(TEACHERS)]
    services = [uuid.uuid4() for _ in range(SERVICES)]
    months = [months_back(today, back) for back in range(MONTHS)]
    loaded = Loaded()
    now = datetime.now(UTC)
    conn = await asyncpg.connect(dsn(url))
    try:
        await add_organisation(conn, tenant)
        await conn.copy_records_to_table(
            "clients",
            records=[(c, tenant, "", "", rng.choice(branches), "active") for c in clients],
            columns=["id", "tenant_id", "first_name", "last_name", "branch_id", "status"],
        )
        for start in range(0, ENTRIES, BATCH):
            entries, postings = [], []
            for _ in range(start, min(start + BATCH, ENTRIES)):
                entry_id = uuid7()
                client = rng.choice(clients)
                month = rng.choice(months)
                booked_on = month.replace(day=rng.randint(1, 28))
                if month == months[0]:
                    booked_on = min(booked_on, today)
                written = min(now, datetime.combine(booked_on, dtime(12), tzinfo=UTC))
                amount = rng.randrange(5_000, 60_000, 500)
                branch = rng.choice(branches)
                shard = entry_id.int % SHARDS
                account = f"client:{client}"
                if rng.random() < 0.55:
                    group, teacher, service = (
                        rng.choice(groups),
                        rng.choice(teachers),
                        rng.choice(services),
                    )
                    entries.append(
                        (
                            entry_id,
                            tenant,
                            "sale",
                            client,
                            service,
                            branch,
                            group,
                            teacher,
                            None,
                            amount,
                            0,
                            booked_on,
                            "bench",
                            written,
                        )
                    )
                    postings += [
                        (entry_id, tenant, account, "money", amount),
                        (entry_id, tenant, "revenue", "money", -amount),
                    ]
                    loaded.balances[client] -= amount
                    loaded.moved[(client, month)] -= amount
                    dims = {"branch": branch, "group": group, "teacher": teacher}
                    loaded.add(month, "revenue", dims | {"service": service}, shard, amount)
                else:
                    method = rng.choice(METHODS)
                    entries.append(
                        (
                            entry_id,
                            tenant,
                            "payment",
                            client,
                            None,
                            branch,
                            None,
                            None,
                            method,
                            amount,
                            0,
                            booked_on,
                            "bench",
                            written,
                        )
                    )
                    postings += [
                        (entry_id, tenant, f"cash:{method}", "money", amount),
                        (entry_id, tenant, account, "money", -amount),
                    ]
                    loaded.balances[client] += amount
                    loaded.moved[(client, month)] += amount
                    dims = {"branch": branch, "group": NIL, "teacher": NIL, "service": NIL}
                    loaded.add(month, "received", dims, shard, amount)
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "ledger_entries",
                    records=entries,
                    columns=[
                        "id",
                        "tenant_id",
                        "kind",
                        "client_id",
                        "service_id",
                        "branch_id",
                        "group_id",
                        "teacher_id",
                        "method",
                        "amount_minor",
                        "classes",
                        "booked_on",
                        "created_by",
                        "created_at",
                    ],
                )
                await conn.copy_records_to_table(
                    "ledger_postings",
                    records=postings,
                    columns=["entry_id", "tenant_id", "account", "unit", "amount"],
                )
        await conn.copy_records_to_table(
            "client_balances",
            records=[(tenant, c, b) for c, b in loaded.balances.items()],
            columns=["tenant_id", "client_id", "balance_minor"],
        )
        await conn.copy_records_to_table(
            "monthly_totals",
            records=[(tenant, *k, v[0], v[1]) for k, v in loaded.totals.items()],
            columns=[
                "tenant_id",
                "month",
                "measure",
                "dim",
                "dim_id",
                "shard",
                "amount_minor",
                "count",
            ],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return loaded


async def measure_monthly(url: str) -> dict[str, float]:
    tenant = uuid.uuid4()
    today = datetime.now(UTC).date()
    started = time.perf_counter()
    loaded = await load_ledger(url, tenant, today)
    load_seconds = time.perf_counter() - started
    month = months_back(today, 0)
    revenue = sum(v[0] for k, v in loaded.totals.items() if k[:3] == (month, "revenue", "all"))
    received = sum(v[0] for k, v in loaded.totals.items() if k[:3] == (month, "received", "all"))
    owner = Principal(
        tenant_id=tenant, subject=str(uuid.uuid4()), realm="staff", role="owner", all_branches=True
    )
    settings = Settings(
        database_url=url, amqp_url="", db_pool_size=2, log_level="WARNING", reminders_enabled=False
    )
    app = create_app(settings)
    timings: list[float] = []
    async with app.router.lifespan_context(app):
        started = time.perf_counter()
        await snapshot_debts_once(app.state.database, lambda: datetime.now(UTC))
        snapshot_seconds = time.perf_counter() - started
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://billing", timeout=120
        ) as http:
            headers = internal_headers(owner, "billing")
            for n in range(5 + REPORTS):
                started = time.perf_counter()
                response = await http.get(
                    "/api/v1/billing/reports/monthly",
                    params={"month": str(month), "earlier_months": 5},
                    headers=headers,
                )
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, response.text
                if n >= 5:
                    timings.append(elapsed)
            figures = response.json()
    assert figures["revenue_minor"] == revenue, (figures["revenue_minor"], revenue)
    assert figures["received_minor"] == received, (figures["received_minor"], received)
    assert figures["debt_now_minor"] == -sum(b for b in loaded.balances.values() if b < 0)
    for earlier in figures["earlier"]:
        month_debt = loaded.debt_at_end(date.fromisoformat(earlier["month"]))
        assert earlier["debt_minor"] == month_debt, (earlier, month_debt)
    return {
        "monthly_figures_ms": round(statistics.median(timings), 2),
        "monthly_figures_p99_ms": round(max(timings), 2),
        "ledger_entries_loaded": ENTRIES,
        "ledger_load_s": round(load_seconds, 1),
        "debt_snapshots_s": round(snapshot_seconds, 1),
    }
