"""The journal through the gateway, with every service running as its own process: a teacher
marks only the granted groups, another group's journal is not found, and every change of a
mark is one event that a consumer on RabbitMQ takes exactly once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import httpx
import pytest
from sqlalchemy import Column, Integer, String, Table, Uuid, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.journal import AttendanceMarked, AttendanceUnmarked
from crm_messaging import Handlers, InboxConsumer, MessagingTables
from crm_messaging.amqp import AmqpConsumer
from crm_messaging.topology import QueueNames, RetryPolicy
from crm_platform.db import Database, new_metadata
from crm_platform.testing import amqp_url, eventually, fresh_database

from .test_access import add_staff, bearer, journal_knows, post_once_known, sign_up
from .test_clients import create_client

J = "/api/v1/journal"


class MarkEvents:
    """Stands in for billing: an inbox consumer of attendance events on its own queue."""

    def __init__(self, database: Database, name: str) -> None:
        self.metadata = new_metadata()
        self.tables = MessagingTables(self.metadata)
        self.seen = Table(
            "seen",
            self.metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("event_id", Uuid, nullable=False),
            Column("tenant_id", Uuid, nullable=False),
            Column("change", String(40), nullable=False),
        )
        self.database, self.name = database, name
        handlers, seen = Handlers(), self.seen

        @handlers.on(AttendanceMarked)
        async def marked(session: AsyncSession, env: EventEnvelope, data: AttendanceMarked) -> None:
            change = f"{data.previous_status}->{data.status}"
            await session.execute(
                insert(seen).values(event_id=env.id, tenant_id=env.tenant_id, change=change)
            )

        @handlers.on(AttendanceUnmarked)
        async def unmarked(
            session: AsyncSession, env: EventEnvelope, data: AttendanceUnmarked
        ) -> None:
            change = f"{data.previous_status}->None"
            await session.execute(
                insert(seen).values(event_id=env.id, tenant_id=env.tenant_id, change=change)
            )

        inbox = InboxConsumer(name, database, self.tables.inbox, handlers)
        self.consumer = AmqpConsumer(amqp_url(), inbox, policy=RetryPolicy(delays_ms=(100,)))

    async def changes(self, tenant: str) -> list[tuple[uuid.UUID, str]]:
        async with self.database.unit_of_work() as session:
            rows = await session.execute(
                select(self.seen.c.event_id, self.seen.c.change)
                .where(self.seen.c.tenant_id == uuid.UUID(tenant))
                .order_by(self.seen.c.id)
            )
            return [(r[0], r[1]) for r in rows.all()]


@pytest.fixture
async def mark_events() -> AsyncIterator[MarkEvents]:
    name = f"e2e_billing_{uuid.uuid4().hex[:8]}"
    async with fresh_database("e2e_marks") as url:
        database = Database(url, pool_size=2)
        events = MarkEvents(database, name)
        async with database.engine.begin() as conn:
            await conn.run_sync(events.metadata.create_all)
        await events.consumer.start()
        try:
            yield events
        finally:
            await events.consumer.stop()
            await database.dispose()
            connection = await aio_pika.connect(amqp_url())
            async with connection:
                channel = await connection.channel()
                names = QueueNames(name)
                for queue in (names.main, names.parking, names.retry(1)):
                    await channel.queue_delete(queue)


async def post(gateway: httpx.AsyncClient, path: str, headers: dict[str, str], body: Any) -> Any:
    response = await gateway.post(path, headers=headers, json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def test_a_teacher_marks_only_granted_groups_and_each_change_is_one_event(
    gateway: httpx.AsyncClient, mark_events: MarkEvents
) -> None:
    school = await sign_up(gateway, "Journal school")
    owner = bearer(school["tokens"])
    tenant, branch = school["organisation"]["id"], school["branch"]["id"]
    await journal_knows(gateway, owner)
    groups = [
        await post(
            gateway,
            f"{J}/groups",
            owner,
            {"name": name, "branch_id": branch, "starts_on": "2026-01-01", "capacity": 8},
        )
        for name in ("Granted", "Other")
    ]
    client = (await create_client(gateway, owner, "Ida", "601 300 400"))["id"]
    lessons = []
    for group, at in zip(groups, ("10:00", "12:00"), strict=True):
        await post_once_known(
            gateway,
            f"{J}/groups/{group['id']}/enrolments",
            owner,
            {"client_id": client, "from_date": "2026-01-01"},
        )
        lessons.append(
            await post(
                gateway,
                f"{J}/groups/{group['id']}/lessons",
                owner,
                {"lesson_date": "2026-03-02", "starts_at": at, "duration_minutes": 60},
            )
        )
    granted, other = groups
    _, teacher_tokens = await add_staff(
        gateway, owner, "teacher", [{"scope": "group", "scope_id": granted["id"]}]
    )
    teacher = bearer(teacher_tokens)

    cell = f"{J}/lessons/{lessons[0]['id']}/marks/{client}"
    marked = await gateway.put(cell, headers=teacher, json={"status": "attended"})
    assert marked.status_code == 200, marked.text
    other_cell = f"{J}/lessons/{lessons[1]['id']}/marks/{client}"
    refused = await gateway.put(other_cell, headers=teacher, json={"status": "attended"})
    assert refused.status_code == 404
    assert (
        await gateway.get(f"{J}/groups/{other['id']}/journal", headers=teacher)
    ).status_code == 404
    journal = await gateway.get(
        f"{J}/groups/{granted['id']}/journal?from_date=2026-03-01&until_date=2026-03-31",
        headers=teacher,
    )
    assert journal.status_code == 200, journal.text
    [row] = journal.json()["rows"]
    assert row["cells"][lessons[0]["id"]]["status"] == "attended"
    listed = (await gateway.get(f"{J}/groups", headers=teacher)).json()["items"]
    assert [g["id"] for g in listed] == [granted["id"]]
    # Creating groups is for the owner and admins; the gateway refuses a teacher outright.
    created = await gateway.post(
        f"{J}/groups",
        headers=teacher,
        json={"name": "Mine", "branch_id": branch, "starts_on": "2026-01-01"},
    )
    assert created.status_code == 403

    stranger = bearer((await sign_up(gateway, "Another school"))["tokens"])
    assert (
        await gateway.get(f"{J}/groups/{granted['id']}/journal", headers=stranger)
    ).status_code == 404
    assert (await gateway.put(cell, headers=stranger, json={"status": "absent"})).status_code == 404

    changed = await gateway.put(cell, headers=teacher, json={"status": "absent"})
    assert changed.status_code == 200
    same = await gateway.put(cell, headers=teacher, json={"status": "absent"})
    assert same.status_code == 200  # no change: no event
    assert (await gateway.delete(cell, headers=teacher)).status_code == 204

    async def three() -> bool:
        return len(await mark_events.changes(tenant)) >= 3

    await eventually(three)
    seen = await mark_events.changes(tenant)
    assert [change for _, change in seen] == ["None->attended", "attended->absent", "absent->None"]
    assert len({event_id for event_id, _ in seen}) == 3
