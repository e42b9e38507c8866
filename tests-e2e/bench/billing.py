"""Billing benchmark on the real PostgreSQL.

In one fresh database with the billing migrations (the ledger's triggers included):

- payments_per_s: payments recorded through the billing API over HTTP: the service runs
  as it is deployed (uvicorn, one process, its relay and consumers on), loaded by wrk (or
  an aiohttp client) from a process of its own with 20 connections, each request with the
  gateway's internal token and its own Idempotency-Key; every payment is a balanced ledger
  entry with its cached balance, monthly totals, outbox events and idempotency record,
  committed (payments arriving together share a transaction: ledger/payments.py).
- raw_commit_per_s: single-row INSERT transactions straight through asyncpg into the same
  database, 20 concurrent connections: what the database commits at most, as a yardstick
  (rounds of 16,000 commits, about two seconds: shorter ones swung by a third run to run).
- payments_commit_ratio: the two divided (target >= 0.25). The two are measured in
  alternating rounds so a busy moment weighs on both alike; the medians are reported.
- monthly_figures_ms: p50 of the monthly report (this month against five earlier ones, each
  with its debt at the month's end) for an organisation with 1,000,000 ledger entries, each
  written on the day it is booked, loaded by COPY through the triggers (every entry
  balanced, checked at commit), with the cached balances and monthly totals that summarise
  them and the month-end debt snapshots the scheduler takes of closed months (target
  < 300 ms). debt_snapshots_s: the job's first run, taking every closed month at once.

Run alone with `python tests-e2e/bench/billing.py`; `run()` is what `make bench` calls.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import httpx
import structlog
from billing_svc.main import create_app
from billing_svc.reports.month_ends import snapshot_debts_once
from billing_svc.settings import Settings

from crm_contracts.ids import uuid7
from crm_devrun.ports import free_port
from crm_platform.db_admin import upgrade
from crm_platform.http_protocol import HTTP_PROTOCOL
from crm_platform.internal_auth import Principal
from crm_platform.testing import fresh_database, internal_headers

SERVICE_DIR = Path(__file__).resolve().parents[2] / "services" / "billing"
CONCURRENCY = 20
ROUND_SECONDS = 4
WARMUP_SECONDS = 1
RAW_PER_ROUND = 16_000  # about two seconds: long enough to steady, as the payment rounds are
ROUNDS = 3
WARMUP = 200
PAYING_CLIENTS = 2_000
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


# --- payments through the app against raw commits ---------------------------------------------


async def raw_commits(url: str, count: int) -> float:
    """Single-row insert transactions per second, CONCURRENCY at a time. The connections
    are opened before the clock starts and closed after (the server's limit is shared)."""
    pool = await asyncpg.create_pool(dsn(url), min_size=CONCURRENCY, max_size=CONCURRENCY)
    try:
        return await _raw_commits(pool, count)
    finally:
        await pool.close()


async def _raw_commits(pool: asyncpg.Pool, count: int) -> float:
    remaining = iter(range(count))

    async def worker() -> None:
        async with pool.acquire() as conn:
            for n in remaining:
                async with conn.transaction():
                    await conn.execute(
                        "INSERT INTO bench_commits (tenant_id, amount_minor, at) "
                        "VALUES ($1, $2, now())",
                        uuid.uuid4(),
                        n,
                    )

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return count / (time.perf_counter() - started)


WRK_SCRIPT = """
local clients = {%s}
local n = 0
local salt = "%s"
request = function()
  n = n + 1
  local body = '{"amount_minor": ' .. (1000 + n %% 500) .. ', "method": "cash"}'
  wrk.headers["Idempotency-Key"] = salt .. "-" .. n
  wrk.headers["Content-Type"] = "application/json"
  local client = clients[math.random(#clients)]
  return wrk.format("POST", "/api/v1/billing/clients/" .. client .. "/payments", nil, body)
end
"""


def _wrk(url: str, headers: dict[str, str], clients: list[uuid.UUID], seconds: float) -> int:
    """Payments recorded by wrk in `seconds`, CONCURRENCY connections, each request with a
    key of its own; any answer but 201 fails the run."""
    script = Path(tempfile.mkdtemp()) / "payments.lua"
    quoted = ",".join(f'"{c}"' for c in clients)
    script.write_text(WRK_SCRIPT % (quoted, uuid.uuid4().hex))
    args = ["wrk", "-t1", f"-c{CONCURRENCY}", f"-d{seconds}s", "-s", str(script)]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in out:
        raise RuntimeError(f"payments answered errors:\n{out}")
    done = re.search(r"(\d+) requests in", out)
    if not done:
        raise RuntimeError(f"wrk printed no count:\n{out}")
    return int(done.group(1))


async def _aiohttp_load(
    url: str, headers: dict[str, str], clients: list[uuid.UUID], seconds: float
) -> int:
    done = 0
    rng = random.Random()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as http:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                body = {"amount_minor": 1_000 + done % 500, "method": "cash"}
                async with http.post(
                    f"{url}api/v1/billing/clients/{rng.choice(clients)}/payments",
                    json=body,
                    headers=headers | {"Idempotency-Key": uuid.uuid4().hex},
                ) as response:
                    if response.status != 201:
                        raise RuntimeError(await response.text())
                done += 1

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return done


def _aiohttp_process(
    url: str, headers: dict[str, str], clients: list[uuid.UUID], seconds: float, out: Any
) -> None:
    out.put(asyncio.run(_aiohttp_load(url, headers, clients, seconds)))


def pay_for(
    url: str, owner: Principal, clients: list[uuid.UUID], seconds: float
) -> tuple[int, float]:
    """(payments recorded, per second) by a load generator in a process of its own: wrk
    when installed (light, so billing and the database get the cores), else aiohttp."""
    headers = internal_headers(owner, "billing")
    started = time.perf_counter()
    if shutil.which("wrk"):
        done = _wrk(url, headers, clients, seconds)
    else:
        context = multiprocessing.get_context("spawn")
        queue: Any = context.Queue()
        proc = context.Process(
            target=_aiohttp_process, args=(url, headers, clients, seconds, queue)
        )
        proc.start()
        done = int(queue.get(timeout=seconds + 60))
        proc.join()
    return done, done / (time.perf_counter() - started)


async def _wait_ready(url: str, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url + "readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("billing did not become ready")
            await asyncio.sleep(0.1)


async def measure_payments(url: str) -> dict[str, float | str]:
    tenant = uuid.uuid4()
    clients = [uuid7() for _ in range(PAYING_CLIENTS)]
    conn = await asyncpg.connect(dsn(url))
    try:
        await add_organisation(conn, tenant)
        await conn.copy_records_to_table(
            "clients",
            records=[(c, tenant, "", "", "active") for c in clients],
            columns=["id", "tenant_id", "first_name", "last_name", "status"],
        )
        await conn.execute(
            "CREATE TABLE bench_commits (id bigserial PRIMARY KEY, tenant_id uuid NOT NULL, "
            "amount_minor bigint NOT NULL, at timestamptz NOT NULL)"
        )
    finally:
        await conn.close()
    owner = Principal(
        tenant_id=tenant, subject=str(uuid.uuid4()), realm="staff", role="owner", all_branches=True
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILLING_")} | {
        "BILLING_DATABASE_URL": url,
        "BILLING_ENVIRONMENT": "test",
        "BILLING_LOG_LEVEL": "WARNING",
        "BILLING_REMINDERS_ENABLED": "false",
        # A connection for every request in flight: none is opened and closed per request.
        "BILLING_DB_POOL_SIZE": str(CONCURRENCY),
    }
    billing = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "billing_svc.main:create_app",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        # As deployed (deploy/docker/entrypoint.py): an answer's head and body in one write.
        "--http",
        HTTP_PROTOCOL,
        env=env,
    )
    base = f"http://127.0.0.1:{port}/"
    recorded_by_load = 0
    try:
        await _wait_ready(base)
        done, _ = await asyncio.to_thread(pay_for, base, owner, clients, WARMUP_SECONDS)
        recorded_by_load += done
        await raw_commits(url, WARMUP)
        raws: list[float] = []
        paid: list[float] = []
        for _ in range(ROUNDS):
            raws.append(await raw_commits(url, RAW_PER_ROUND))
            done, rate = await asyncio.to_thread(pay_for, base, owner, clients, ROUND_SECONDS)
            recorded_by_load += done
            paid.append(rate)
    finally:
        billing.terminate()
        await billing.wait()
    conn = await asyncpg.connect(dsn(url))
    try:
        recorded = await conn.fetchval(
            "SELECT count(*) FROM ledger_entries WHERE tenant_id = $1 AND kind = 'payment'", tenant
        )
    finally:
        await conn.close()
    # wrk counts the answers it read; a payment whose answer was cut off at a run's deadline
    # is recorded but not counted: up to one per connection and run more in the ledger.
    assert recorded_by_load <= recorded <= recorded_by_load + CONCURRENCY * (ROUNDS + 1), (
        recorded,
        recorded_by_load,
    )
    raw, through_app = statistics.median(raws), statistics.median(paid)
    return {
        "payments_per_s": round(through_app, 1),
        "raw_commit_per_s": round(raw, 1),
        "payments_commit_ratio": round(through_app / raw, 3),
        "payments_load_generator": "wrk" if shutil.which("wrk") else "aiohttp",
    }


# --- the monthly figures on 1,000,000 entries ---------------------------------------------------


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


async def run() -> dict[str, float]:
    logging.getLogger().setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    async with fresh_database("bench_billing") as url:
        await upgrade(SERVICE_DIR, url)
        results = await measure_payments(url)
        print(json.dumps(results), file=sys.stderr)
        results |= await measure_monthly(url)
    return results


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run()), indent=2))
