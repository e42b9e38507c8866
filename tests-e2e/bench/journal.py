"""Journal benchmark on the real PostgreSQL (wired into `make bench` by tests-e2e/bench/run.py).

An organisation with 2,000 groups and about 1,000,000 marks is bulk-loaded with COPY into a
fresh database migrated by the journal's own migrations. The journal app itself (routing,
internal-token check, service, repository, response models) is then driven in-process:

- journal_p99_ms: p99 of GET /groups/{id}/journal for a 30-client x 13-lesson month
  (target < 25 ms);
- group_figures_ms: median of GET /figures/groups?month=... for the whole organisation's
  month, 2,000 groups (target < 500 ms).

`python tests-e2e/bench/journal.py` runs it alone and prints the figures.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import structlog
from journal_svc.main import create_app
from journal_svc.settings import Settings

from crm_devrun.catalogue import service
from crm_platform.db_admin import upgrade
from crm_platform.internal_auth import Principal
from crm_platform.testing import fresh_database, internal_headers

GROUPS = 2_000
BRANCHES = 20
TEACHERS = 400
CLIENTS_PER_GROUP = 12
WEEKS = 22  # January to early June, twice a week: 44 lessons x 12 clients ~ 500 marks
FIRST_MONDAY = date(2026, 1, 5)
MONTH = "2026-03"
TODAY = datetime(2026, 3, 31, 12, tzinfo=UTC)
# The measured group: 30 clients, lessons on Mondays, Wednesdays and Fridays (13 in March).
MEASURED_CLIENTS = 30
JOURNAL_REQUESTS = 400
FIGURES_REQUESTS = 9
STATUSES = ("attended", "attended", "attended", "attended", "absent", "excused", "planned")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


class World:
    """The generated organisation; ids are kept for the requests that follow."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.tenant = uuid.uuid4()
        self.branches = [uuid.uuid4() for _ in range(BRANCHES)]
        self.teachers = [uuid.uuid4() for _ in range(TEACHERS)]
        self.groups = [uuid.uuid4() for _ in range(GROUPS)]
        self.measured = self.groups[0]
        self.lessons: dict[uuid.UUID, list[tuple[uuid.UUID, date, uuid.UUID]]] = {}
        self.members: dict[uuid.UUID, list[uuid.UUID]] = {}
        self.marks = 0

    def branch_of(self, index: int) -> uuid.UUID:
        return self.branches[index % BRANCHES]

    def plan(self) -> None:
        for index, group in enumerate(self.groups):
            teacher = self.teachers[index % TEACHERS]
            if group == self.measured:
                weekdays = (0, 2, 4)
                clients = MEASURED_CLIENTS
            else:
                weekdays = ((index % 3), (index % 3) + 2)
                clients = CLIENTS_PER_GROUP
            self.lessons[group] = [
                (uuid.uuid4(), FIRST_MONDAY + timedelta(weeks=w, days=d), teacher)
                for w in range(WEEKS)
                for d in weekdays
            ]
            self.members[group] = [uuid.uuid4() for _ in range(clients)]

    # rows, in the column order of COPY below
    def group_rows(self) -> Iterator[tuple[Any, ...]]:
        for index, group in enumerate(self.groups):
            capacity = 30 if group == self.measured else self.rng.choice((8, 10, 12, 15, 20))
            yield (
                group,
                self.tenant,
                self.branch_of(index),
                f"Group {index:04d}",
                ("Piano", "Dance", "English", "Chess")[index % 4],
                capacity,
                FIRST_MONDAY,
                False,
                1,
                NOW,
            )

    def teacher_rows(self) -> Iterator[tuple[Any, ...]]:
        for index, group in enumerate(self.groups):
            yield (group, self.teachers[index % TEACHERS], self.tenant, 0)

    def enrolment_rows(self) -> Iterator[tuple[Any, ...]]:
        for group, clients in self.members.items():
            for n, client in enumerate(clients):
                # A few clients of every group left in the middle of March.
                until = date(2026, 3, 15) if n % 10 == 9 else None
                yield (uuid.uuid4(), self.tenant, group, client, FIRST_MONDAY, until, 1, NOW)

    def card_rows(self) -> Iterator[tuple[Any, ...]]:
        for clients in self.members.values():
            for client in clients:
                born = date(2012, 1, 1) + timedelta(days=self.rng.randrange(3650))
                yield (
                    client,
                    self.tenant,
                    "Anna",
                    f"Client {client.hex[:6]}",
                    "+48500100200",
                    f"{client.hex[:8]}@example.com",
                    born,
                    "active",
                    NOW,
                    self.rng.randrange(-20_000, 20_000),
                    "PLN",
                    NOW,
                    self.rng.randrange(0, 12),
                )

    def lesson_and_mark_rows(
        self,
    ) -> tuple[list[tuple[Any, ...]], Iterator[tuple[Any, ...]]]:
        """Lessons (with their counters) and a generator of their marks."""
        lessons: list[tuple[Any, ...]] = []
        marks: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID, date, str]] = []
        for index, group in enumerate(self.groups):
            for lesson_id, day, teacher in self.lessons[group]:
                attended = recorded = 0
                for n, client in enumerate(self.members[group]):
                    if n % 10 == 9 and day > date(2026, 3, 15):
                        continue
                    status = STATUSES[self.rng.randrange(len(STATUSES))]
                    attended += status == "attended"
                    recorded += status != "planned"
                    marks.append((lesson_id, group, client, day, status))
                lessons.append(
                    (
                        lesson_id,
                        self.tenant,
                        group,
                        self.branch_of(index),
                        day,
                        17 * 60,
                        18 * 60,
                        teacher,
                        "scheduled",
                        False,
                        attended,
                        recorded,
                        1,
                        NOW,
                    )
                )
        self.marks = len(marks)

        def rows() -> Iterator[tuple[Any, ...]]:
            for lesson_id, group, client, day, status in marks:
                makeup = day + timedelta(days=30) if status == "excused" else None
                yield (
                    uuid.uuid4(),
                    self.tenant,
                    lesson_id,
                    group,
                    client,
                    day,
                    status,
                    makeup,
                    "bench",
                    NOW,
                    1,
                )

        return lessons, rows()

    def comment_rows(self) -> Iterator[tuple[Any, ...]]:
        for group in self.groups[:: max(1, GROUPS // 500)]:
            for lesson_id, _, _ in self.lessons[group][::6]:
                client = self.members[group][0]
                yield (
                    uuid.uuid4(),
                    self.tenant,
                    group,
                    "cell",
                    lesson_id,
                    client,
                    "bench",
                    "action",
                    "Call the parents",
                    False,
                    False,
                    1,
                    NOW,
                )


async def load(url: str, world: World) -> None:
    world.plan()
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(
            "INSERT INTO organisations (id, name, time_zone, currency, makeup_days, version)"
            " VALUES ($1, 'Bench school', 'Europe/Warsaw', 'PLN', 30, 1)",
            world.tenant,
        )
        await conn.copy_records_to_table(
            "groups",
            records=world.group_rows(),
            columns=[
                "id",
                "tenant_id",
                "branch_id",
                "name",
                "programme",
                "capacity",
                "starts_on",
                "archived",
                "version",
                "created_at",
            ],
        )
        await conn.copy_records_to_table(
            "group_teachers",
            records=world.teacher_rows(),
            columns=["group_id", "teacher_id", "tenant_id", "position"],
        )
        await conn.copy_records_to_table(
            "enrolments",
            records=world.enrolment_rows(),
            columns=[
                "id",
                "tenant_id",
                "group_id",
                "client_id",
                "from_date",
                "until_date",
                "version",
                "created_at",
            ],
        )
        await conn.copy_records_to_table(
            "client_cards",
            records=world.card_rows(),
            columns=[
                "client_id",
                "tenant_id",
                "first_name",
                "last_name",
                "phone",
                "email",
                "birthday",
                "status",
                "card_at",
                "balance_minor",
                "currency",
                "balance_at",
                "classes_left",
            ],
        )
        lessons, marks = world.lesson_and_mark_rows()
        await conn.copy_records_to_table(
            "lessons",
            records=lessons,
            columns=[
                "id",
                "tenant_id",
                "group_id",
                "branch_id",
                "lesson_date",
                "start_minute",
                "end_minute",
                "teacher_id",
                "kind",
                "cancelled",
                "attended_count",
                "marked_count",
                "version",
                "created_at",
            ],
        )
        await conn.copy_records_to_table(
            "marks",
            records=marks,
            columns=[
                "id",
                "tenant_id",
                "lesson_id",
                "group_id",
                "client_id",
                "lesson_date",
                "status",
                "makeup_until",
                "marked_by",
                "marked_at",
                "version",
            ],
        )
        await conn.copy_records_to_table(
            "comments",
            records=world.comment_rows(),
            columns=[
                "id",
                "tenant_id",
                "group_id",
                "target",
                "lesson_id",
                "client_id",
                "author_id",
                "kind",
                "body",
                "resolved",
                "visible_to_client",
                "version",
                "created_at",
            ],
        )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def timed(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    response = await client.get(path, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
    return elapsed


async def measure(url: str, world: World) -> dict[str, float]:
    settings = Settings(database_url=url, amqp_url="", db_pool_size=4, log_level="WARNING")
    app = create_app(settings)
    app.state.clock = lambda: TODAY
    owner = Principal(
        tenant_id=world.tenant,
        subject=str(uuid.uuid4()),
        realm="staff",
        role="owner",
        all_branches=True,
    )
    journal = (
        f"/api/v1/journal/groups/{world.measured}/journal"
        "?from_date=2026-03-01&until_date=2026-03-31"
    )
    figures = f"/api/v1/journal/figures/groups?month={MONTH}"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://journal") as client:
            headers = internal_headers(owner, "journal")
            first = (await client.get(journal, headers=headers)).json()
            cells = sum(len(row["cells"]) for row in first["rows"])
            if (len(first["rows"]), len(first["lessons"])) != (MEASURED_CLIENTS, 13):
                raise RuntimeError("the measured journal is not 30 clients x 13 lessons")
            for _ in range(50):  # warm-up: connections, statement caches
                await timed(client, journal, headers)
            journal_ms: list[float] = []
            for n in range(JOURNAL_REQUESTS):
                if n % 100 == 0:  # internal tokens live 60 seconds
                    headers = internal_headers(owner, "journal")
                journal_ms.append(await timed(client, journal, headers))
            await timed(client, figures, headers)
            figures_ms = [await timed(client, figures, headers) for _ in range(FIGURES_REQUESTS)]
            groups = len((await client.get(figures, headers=headers)).json()["items"])
    return {
        "journal_p99_ms": round(percentile(journal_ms, 0.99), 2),
        "journal_p50_ms": round(statistics.median(journal_ms), 2),
        "journal_cells": float(cells),
        "group_figures_ms": round(statistics.median(figures_ms), 2),
        "group_figures_max_ms": round(max(figures_ms), 2),
        "group_figures_groups": float(groups),
    }


async def run() -> dict[str, float]:
    """Loads the organisation into a fresh database and measures; the database is dropped."""
    async with fresh_database("bench_journal") as url:
        await upgrade(service("journal").directory, url)
        world = World()
        started = time.perf_counter()
        await load(url, world)
        loaded_s = time.perf_counter() - started
        results = await measure(url, world)
    return results | {
        "journal_marks_loaded": float(world.marks),
        "journal_load_s": round(loaded_s, 1),
    }


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    results = asyncio.run(run())
    print(
        json.dumps(results | {"targets": "journal_p99_ms < 25, group_figures_ms < 500"}, indent=2)
    )


if __name__ == "__main__":
    main()
