"""Journal benchmark, its data set (journal.py measures it): an organisation with 2,000
groups in 20 branches, 400 teachers, 12 clients a group and about 1,000,000 marks from
January to early June 2026, bulk-loaded with COPY into a database the journal's own
migrations made."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

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
