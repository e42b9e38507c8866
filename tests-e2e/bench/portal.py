"""Portal benchmark on the real PostgreSQL (wired into `make bench` by tests-e2e/bench/run.py).

The portal's read models are bulk-loaded with COPY into a fresh database migrated by the
portal's own migrations: 100 organisations of 1,000 clients each (100,000 clients in families
of three), each client with a pack, a balance, an invoice, an enrolment in one of the
organisation's 50 groups and its marks, and the groups' lessons. The portal app itself
(routing, internal-token check, the family scope, the overview's queries, response models) is
then driven in-process:

- portal_overview_p99_ms: p99 of GET /portal/v1/overview?client_id=<a child> for one
  signed-in parent (the family switcher's scope included), 20 requests at a time
  (target < 15 ms), with the overview's cache as shipped (overview/cache.py: kept per caller
  and client until an event of the organisation raises its version).
- portal_overview_uncached_p99_ms: the same with the cache off (every answer computed), on
  the same data in the same process, for comparison.

`python tests-e2e/bench/portal.py` runs it alone and prints the figures.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import structlog
from percentiles import percentile
from portal_svc.main import create_app
from portal_svc.settings import Settings

from crm_devrun.catalogue import service
from crm_platform.db_admin import upgrade
from crm_platform.internal_auth import Principal
from crm_platform.testing import fresh_database, internal_headers

ORGANISATIONS = 100
CLIENTS_PER_ORGANISATION = 1_000
GROUPS_PER_ORGANISATION = 50
FAMILY = 3
FIRST_MONDAY = date(2026, 2, 2)
WEEKS = 12
MARKS_PER_CLIENT = 6
TODAY = datetime(2026, 3, 2, 12, tzinfo=UTC)
NOW = datetime(2026, 3, 1, tzinfo=UTC)
CONCURRENCY = 20
REQUESTS = 2_000
SINGLE_REQUESTS = 200
STATUSES = ("attended", "attended", "attended", "absent", "excused", "planned")


class World:
    def __init__(self, seed: int = 17) -> None:
        self.rng = random.Random(seed)
        self.tenants = [uuid.uuid4() for _ in range(ORGANISATIONS)]
        self.groups = {
            t: [uuid.uuid4() for _ in range(GROUPS_PER_ORGANISATION)] for t in self.tenants
        }
        self.branch = {t: uuid.uuid4() for t in self.tenants}
        self.lessons: dict[uuid.UUID, list[tuple[uuid.UUID, date]]] = {}
        self.clients: dict[uuid.UUID, list[uuid.UUID]] = {}
        self.enrolled: dict[uuid.UUID, uuid.UUID] = {}
        for tenant in self.tenants:
            self.clients[tenant] = [uuid.uuid4() for _ in range(CLIENTS_PER_ORGANISATION)]
            for n, client in enumerate(self.clients[tenant]):
                self.enrolled[client] = self.groups[tenant][n % GROUPS_PER_ORGANISATION]
            for g, group in enumerate(self.groups[tenant]):
                self.lessons[group] = [
                    (uuid.uuid4(), FIRST_MONDAY + timedelta(weeks=w, days=g % 5))
                    for w in range(WEEKS)
                ]
        # The measured account: a parent (first client of the first organisation) and children.
        self.tenant = self.tenants[0]
        self.parent = self.clients[self.tenant][0]
        self.child = self.clients[self.tenant][1]

    def organisation_rows(self) -> Iterator[tuple[Any, ...]]:
        for n, tenant in enumerate(self.tenants):
            yield (tenant, f"School {n}", "PLN", "Europe/Warsaw", NOW)

    def source_rows(self) -> Iterator[tuple[Any, ...]]:
        for tenant in self.tenants:
            for source in ("clients", "billing", "journal"):
                yield (tenant, source, NOW)

    def client_rows(self) -> Iterator[tuple[Any, ...]]:
        for tenant in self.tenants:
            family = uuid.uuid4()
            for n, client in enumerate(self.clients[tenant]):
                if n % FAMILY == 0:
                    family = uuid.uuid4()
                balance = self.rng.choice((0, -4_000, 2_500, -12_000))
                yield (
                    client, tenant, f"First {n}", f"Last {n}", f"+4850{n:07d}", None, False,
                    self.branch[tenant], "active", NOW, NOW, family, NOW, balance, "PLN", NOW,
                )  # fmt: skip

    def pack_rows(self) -> Iterator[tuple[Any, ...]]:
        for tenant in self.tenants:
            for n, client in enumerate(self.clients[tenant]):
                shared = n % FAMILY == 0  # the parent's pack is the family's
                yield (
                    uuid.uuid4(), tenant, client, "8 classes", "pack", 8, self.rng.randrange(9),
                    date(2026, 2, 1), date(2026, 4, 30), "active", shared, NOW,
                )  # fmt: skip

    def invoice_rows(self) -> Iterator[tuple[Any, ...]]:
        for tenant in self.tenants:
            for client in self.clients[tenant]:
                yield (
                    uuid.uuid4(), tenant, client, None, "March", 20_000, 8_000, "PLN",
                    date(2026, 3, 10), self.rng.choice(("open", "paid")), NOW, NOW,
                )  # fmt: skip

    def group_rows(self) -> Iterator[tuple[Any, ...]]:
        for tenant in self.tenants:
            for g, group in enumerate(self.groups[tenant]):
                yield (group, tenant, self.branch[tenant], f"Group {g}", "piano", 12, False, NOW)

    def enrolment_rows(self) -> Iterator[tuple[Any, ...]]:
        for tenant in self.tenants:
            for client in self.clients[tenant]:
                group = self.enrolled[client]
                branch = self.branch[tenant]
                yield (uuid.uuid4(), tenant, group, branch, client, date(2026, 1, 1), None, False)

    def lesson_rows(self) -> Iterator[tuple[Any, ...]]:
        for tenant in self.tenants:
            for group in self.groups[tenant]:
                branch = self.branch[tenant]
                for lesson_id, day in self.lessons[group]:
                    yield (lesson_id, tenant, group, branch, day, "17:00", 45, False, NOW)

    def mark_rows(self) -> Iterator[tuple[Any, ...]]:
        for tenant in self.tenants:
            for client in self.clients[tenant]:
                group = self.enrolled[client]
                for lesson_id, day in self.lessons[group][:MARKS_PER_CLIENT]:
                    status = self.rng.choice(STATUSES)
                    until = day + timedelta(days=30) if status == "excused" else None
                    yield (
                        uuid.uuid4(), tenant, client, lesson_id, group, day, status, None, until,
                        False, NOW,
                    )  # fmt: skip


TABLES: dict[str, tuple[str, list[str]]] = {
    "rm_organisations": (
        "organisation_rows", ["tenant_id", "name", "currency", "time_zone", "state_at"],
    ),
    "rm_sources": ("source_rows", ["tenant_id", "source", "last_event_at"]),
    "rm_clients": ("client_rows", [
        "client_id", "tenant_id", "first_name", "last_name", "phone", "email", "email_confirmed",
        "branch_id", "status", "status_at", "card_at", "family_id", "family_at", "balance_minor",
        "currency", "balance_at",
    ]),
    "rm_packs": ("pack_rows", [
        "pack_id", "tenant_id", "client_id", "name", "kind", "classes_total", "classes_left",
        "starts_on", "ends_on", "status", "shared", "state_at",
    ]),
    "rm_invoices": ("invoice_rows", [
        "invoice_id", "tenant_id", "client_id", "pack_id", "description", "amount_minor",
        "paid_minor", "currency", "due_on", "status", "issued_at", "state_at",
    ]),
    "rm_groups": ("group_rows", [
        "group_id", "tenant_id", "branch_id", "name", "programme", "capacity", "archived",
        "state_at",
    ]),
    "rm_enrolments": ("enrolment_rows", [
        "enrolment_id", "tenant_id", "group_id", "branch_id", "client_id", "from_date",
        "until_date", "ended",
    ]),
    "rm_lessons": ("lesson_rows", [
        "lesson_id", "tenant_id", "group_id", "branch_id", "lesson_date", "starts_at",
        "duration_minutes", "cancelled", "state_at",
    ]),
    "rm_marks": ("mark_rows", [
        "mark_id", "tenant_id", "client_id", "lesson_id", "group_id", "lesson_date", "status",
        "makeup_of", "makeup_until", "removed", "state_at",
    ]),
}  # fmt: skip


async def load(url: str, world: World) -> int:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        for table, (rows, columns) in TABLES.items():
            await conn.copy_records_to_table(table, records=getattr(world, rows)(), columns=columns)
        await conn.execute("VACUUM ANALYZE")
        return int(await conn.fetchval("SELECT count(*) FROM rm_clients"))
    finally:
        await conn.close()


@dataclass(frozen=True)
class Account:
    """The measured account: a parent (first client of the first organisation) and a child."""

    tenant: uuid.UUID
    parent: uuid.UUID
    child: uuid.UUID


async def measure(url: str, account: Account, cache_entries: int) -> dict[str, float]:
    settings = Settings(
        database_url=url,
        amqp_url="",
        db_pool_size=CONCURRENCY,
        log_level="WARNING",
        overview_cache_entries=cache_entries,
    )
    app = create_app(settings)
    app.state.clock = lambda: TODAY
    parent = Principal(
        tenant_id=account.tenant,
        subject=str(uuid.uuid4()),
        realm="portal",
        client_ids=frozenset({account.parent}),
    )
    path = f"/portal/v1/overview?client_id={account.child}"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
            headers = internal_headers(parent, "portal")
            first = await client.get(path, headers=headers)
            body = first.json()
            if first.status_code != 200 or not body["packs"] or not body["next_lessons"]:
                raise RuntimeError(f"the measured overview is not right: {first.text[:300]}")
            timings: list[float] = []

            async def worker(count: int) -> None:
                for n in range(count):
                    if n % 20 == 0:  # internal tokens live 60 seconds
                        fresh = internal_headers(parent, "portal")
                    started = time.perf_counter()
                    response = await client.get(path, headers=fresh)
                    timings.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise RuntimeError(f"{response.status_code} {response.text[:300]}")

            await asyncio.gather(*(worker(10) for _ in range(CONCURRENCY)))  # warm-up
            timings.clear()
            await worker(SINGLE_REQUESTS)  # one at a time: the request's own cost
            single = sorted(timings)
            timings.clear()
            started = time.perf_counter()
            await asyncio.gather(*(worker(REQUESTS // CONCURRENCY) for _ in range(CONCURRENCY)))
            elapsed = time.perf_counter() - started
    return {
        "portal_overview_p99_ms": round(percentile(timings, 0.99), 2),
        "portal_overview_p50_ms": round(statistics.median(timings), 2),
        "portal_overview_per_s": round(len(timings) / elapsed, 1),
        "portal_overview_single_p50_ms": round(statistics.median(single), 2),
    }


async def run() -> dict[str, float]:
    """Loads the read models into a fresh database and measures; the database is dropped."""
    async with fresh_database("bench_portal") as url:
        await upgrade(service("portal").directory, url)
        world = World()
        started = time.perf_counter()
        clients = await load(url, world)
        loaded_s = time.perf_counter() - started
        account = Account(world.tenant, world.parent, world.child)
        # The generator's 400,000 objects are the bench's, not the portal's: kept alive, every
        # full collection of the measured process walked them (pauses of 0.3 s and more).
        del world
        gc.collect()
        uncached = await measure(url, account, cache_entries=0)
        results = await measure(url, account, cache_entries=10_000)
    results |= {
        k.replace("portal_overview_", "portal_overview_uncached_"): v for k, v in uncached.items()
    }
    return results | {"portal_clients_loaded": float(clients), "portal_load_s": round(loaded_s, 1)}


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    results = asyncio.run(run())
    print(json.dumps(results | {"targets": "portal_overview_p99_ms < 15"}, indent=2))


if __name__ == "__main__":
    main()
