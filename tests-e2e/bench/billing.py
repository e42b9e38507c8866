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
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import structlog
from billing_ledger import add_organisation, dsn, measure_monthly

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
