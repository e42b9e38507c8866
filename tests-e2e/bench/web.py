"""Web front-end benchmark (wired into `make bench` by tests-e2e/bench/run.py).

The whole system as processes (every service, the web and the gateway, as tests-e2e starts
it) on fresh PostgreSQL databases and the real RabbitMQ. An organisation gets a group of 30
clients with lessons on Mondays, Wednesdays and Fridays (13 in March 2026) and most cells
marked; a person signs in through the web's own sign-in page. Then, through the gateway:

- web_journal_page_p99_ms: p99 of GET /app/groups/{id}/journal?month=2026-03, the whole
  rendered grid page, 10 requests at a time for four seconds, by wrk (target < 120 ms).
  Without wrk, 300 requests from this process's httpx client: on two cores that client
  takes about a fifth of the CPU a page costs and queues the answers it parses, so its
  figure is about twice wrk's for the same servers;
- web_journal_mark_p99_ms: p99 of one cell change (POST .../cells, the page's own request:
  the web sets the mark through the gateway and renders the cell), one at a time
  (target < 60 ms);
- web_journal_assets_kb: the JavaScript and CSS the journal page loads (target < 150).

`python tests-e2e/bench/web.py` runs it alone and prints the figures.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from typing import Any

import httpx
from percentiles import percentile

from crm_devrun.catalogue import SERVICES, prepare_database
from crm_devrun.ports import free_port
from crm_devrun.processes import wait_ready
from crm_devrun.system import start_system, stop_system
from crm_platform.db_admin import drop_database, with_database
from crm_platform.testing import amqp_url, server_database_url

CLIENTS = 30
PAGE_REQUESTS = 300
PAGE_SECONDS = 4
CONCURRENCY = 10
MARKS = 200
PASSWORD = "a long enough password"
MONTH = "2026-03"
J = "/api/v1/journal"


async def call(client: httpx.AsyncClient, method: str, path: str, token: str, body: Any) -> Any:
    response = await client.request(
        method,
        path,
        json=body,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
    )
    if response.status_code >= 300:
        raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
    return response.json() if response.content else None


async def scene(client: httpx.AsyncClient) -> tuple[str, str, list[dict[str, Any]], list[str]]:
    """The organisation, the group's month; returns the owner's email, the group, its
    lessons and its clients."""
    email = f"bench-{uuid.uuid4().hex[:8]}@school.example.com"
    signed = await client.post(
        "/auth/signup",
        json={
            "organisation": {
                "name": "Bench school",
                "currency": "PLN",
                "time_zone": "Europe/Warsaw",
                "locale": "en",
            },
            "owner": {"name": "Bench owner", "email": email, "password": PASSWORD},
        },
    )
    if signed.status_code != 201:
        raise RuntimeError(signed.text)
    token = signed.json()["tokens"]["access_token"]
    branch = signed.json()["branch"]["id"]
    deadline = time.monotonic() + 60
    group: dict[str, Any] | None = None
    while group is None:  # the journal learns the organisation from identity's event
        response = await client.post(
            f"{J}/groups",
            json={
                "name": "Measured group",
                "branch_id": branch,
                "capacity": 40,
                "starts_on": "2026-01-01",
                "schedule": [
                    {"weekday": d, "starts_at": "17:00", "duration_minutes": 60} for d in (1, 3, 5)
                ],
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code == 201:
            group = response.json()
        elif time.monotonic() > deadline:
            raise RuntimeError(response.text)
        else:
            await asyncio.sleep(0.5)
    made = await call(
        client,
        "POST",
        f"{J}/groups/{group['id']}/lessons/generate",
        token,
        {"from_date": "2026-03-01", "until_date": "2026-03-31"},
    )
    lessons = made["created"]
    clients = []
    for n in range(CLIENTS):
        created = await call(
            client,
            "POST",
            "/api/v1/clients/clients",
            token,
            {"first_name": f"Client{n:02d}", "last_name": "Bench", "phone": f"+48601{n:06d}"},
        )
        clients.append(created["id"])
    for client_id in clients:  # once the journal has learnt of the client from its event
        while True:
            response = await client.post(
                f"{J}/groups/{group['id']}/enrolments",
                json={"client_id": client_id, "from_date": "2026-01-01"},
                headers={"Authorization": f"Bearer {token}"},
            )
            if response.status_code == 201:
                break
            if response.status_code != 422 or time.monotonic() > deadline + 120:
                raise RuntimeError(response.text)
            await asyncio.sleep(0.3)
    for lesson in lessons[:10]:  # most of the month marked
        await call(
            client, "POST", f"{J}/lessons/{lesson['id']}/marks", token, {"status": "attended"}
        )
    return email, group["id"], lessons, clients


async def sign_in(client: httpx.AsyncClient, email: str) -> None:
    """Through the web's own sign-in form: the client keeps the session cookie."""
    page = await client.get("/app/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = await client.post(
        "/app/signin",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    if response.status_code != 303:
        raise RuntimeError(f"sign-in: {response.status_code} {response.text[:300]}")


# A redirect (to sign-in) is no error to wrk: every answer must be the page itself.
COUNT_NOT_200 = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not200 = 0 end
function response(status, headers, body) if status ~= 200 then not200 = not200 + 1 end end
function done(summary, latency, requests)
  local n = 0
  for _, thread in ipairs(threads) do n = n + thread:get("not200") end
  io.write(string.format("not 200: %d\\n", n))
end
"""


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk_pages(url: str, cookies: str) -> dict[str, float]:
    """The page's p50 and p99 from wrk: CONCURRENCY connections for PAGE_SECONDS, in C, so
    the load generator takes next to nothing of the cores the servers share. It asks for
    compressed pages, as browsers do."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(COUNT_NOT_200)
        script.flush()
        args = ["wrk", "-t1", f"-c{CONCURRENCY}", f"-d{PAGE_SECONDS}s", "--latency"]
        args += ["-s", script.name, "-H", f"Cookie: {cookies}", "-H", "Accept-Encoding: gzip"]
        out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    if "not 200: 0\n" not in out:
        raise RuntimeError(f"the journal page answered something else than the page:\n{out}")
    rows = re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)$", out, re.MULTILINE)
    found = {q: _ms(value, unit) for q, value, unit in rows}
    requests = re.search(r"(\d+) requests in", out)
    if len(found) != 2 or requests is None or int(requests.group(1)) < PAGE_REQUESTS:
        raise RuntimeError(f"wrk measured too little:\n{out}")
    return {
        "web_journal_page_p99_ms": round(found["99"], 2),
        "web_journal_page_p50_ms": round(found["50"], 2),
        "web_journal_page_requests": float(requests.group(1)),
    }


async def measure(base_url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30, trust_env=False) as client:
        email, group, lessons, clients = await scene(client)
        await sign_in(client, email)
        csrf = client.cookies.get("crm_csrf")
        page_path = f"/app/groups/{group}/journal?month={MONTH}"
        first = await client.get(page_path)
        if first.status_code != 200 or first.text.count('class="cell') != CLIENTS * 13:
            raise RuntimeError("the measured page is not 30 clients x 13 lessons")
        assets = re.findall(r'(?:src|href)="(/static/[^"]+\.(?:js|css))"', first.text)
        assets_bytes = sum([len((await client.get(a)).content) for a in assets])

        async def page() -> float:
            started = time.perf_counter()
            response = await client.get(page_path)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"journal page: {response.status_code} {response.text[-600:]}")
            return elapsed

        for _ in range(20):  # warm-up
            await page()
        pages: dict[str, float]
        if shutil.which("wrk"):
            cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            pages = await asyncio.to_thread(wrk_pages, base_url + page_path, cookies)
        else:
            page_ms: list[float] = []

            async def worker(count: int) -> None:
                for _ in range(count):
                    page_ms.append(await page())

            await asyncio.gather(
                *(worker(PAGE_REQUESTS // CONCURRENCY) for _ in range(CONCURRENCY))
            )
            pages = {
                "web_journal_page_p99_ms": round(percentile(page_ms, 0.99), 2),
                "web_journal_page_p50_ms": round(statistics.median(page_ms), 2),
            }

        cell_path = f"/app/groups/{group}/cells"
        versions: dict[tuple[str, str], int] = {}
        mark_ms: list[float] = []
        statuses = ("attended", "absent", "excused", "planned")
        for n in range(MARKS):
            lesson = lessons[10 + n % 3]["id"]
            client_id = clients[(n // 3) % CLIENTS]
            version = versions.get((lesson, client_id), 0)
            started = time.perf_counter()
            response = await client.post(
                cell_path,
                data={
                    "lesson_id": lesson,
                    "client_id": client_id,
                    "version": str(version),
                    "status": statuses[n % 4],
                },
                headers={"x-csrf-token": csrf or "", "hx-request": "true"},
            )
            mark_ms.append((time.perf_counter() - started) * 1000)
            found = re.search(r'data-version="(\d+)"', response.text)
            if response.status_code != 200 or not found or "Marked" not in response.text:
                raise RuntimeError(f"mark: {response.status_code} {response.text[:300]}")
            versions[(lesson, client_id)] = int(found.group(1))
    return pages | {
        "web_load_generator": "wrk" if shutil.which("wrk") else "httpx",
        "web_journal_mark_p99_ms": round(percentile(mark_ms, 0.99), 2),
        "web_journal_mark_p50_ms": round(statistics.median(mark_ms), 2),
        "web_journal_assets_kb": round(assets_bytes / 1024, 1),
    }


async def run() -> dict[str, Any]:
    """Starts the system on fresh databases, measures, stops it and drops the databases."""
    run_id = uuid.uuid4().hex[:8]
    server = server_database_url()
    urls = {s.name: with_database(server, f"bench_web_{run_id}_{s.name}") for s in SERVICES}
    try:
        for spec in SERVICES:
            await prepare_database(spec, urls[spec.name])
        # One address (this machine) sends every request: the gateway's per-address limits
        # are lifted as in the gateway bench.
        limits = {
            "GATEWAY_RATE_PER_ADDRESS": "1000000",
            "GATEWAY_BURST_PER_ADDRESS": "1000000",
            "GATEWAY_RATE_PER_USER": "1000000",
            "GATEWAY_BURST_PER_USER": "1000000",
        }
        system = start_system(
            database_urls=urls,
            amqp_url=amqp_url(),
            ports={s.name: free_port() for s in SERVICES},
            gateway_port=free_port(),
            environment="test",
            pool_size=4,
            base_env=os.environ | limits,
        )
        try:
            await wait_ready(system.processes, within=180)
            return await measure(system.gateway_url)
        finally:
            await asyncio.to_thread(stop_system, system)
    finally:
        for url in urls.values():
            await drop_database(url)


def main() -> None:
    results = asyncio.run(run())
    targets = "web_journal_page_p99_ms < 120, web_journal_mark_p99_ms < 60, assets < 150 KB"
    print(json.dumps(results | {"targets": targets}, indent=2))


if __name__ == "__main__":
    main()
