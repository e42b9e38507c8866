"""Events through the real RabbitMQ: every change of a mark reaches a consumer (standing in for
billing) exactly once; identity's and clients' events reach the journal's own consumer.

The journal runs here under a service name of its own, so its queue is this test's alone."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import aio_pika
import asyncpg
import httpx
import pytest
from journal_svc.main import create_app
from journal_svc.settings import Settings
from sqlalchemy import Column, Integer, String, Table, Uuid, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.billing import PackChanged, PackSold
from crm_contracts.events.clients import ClientRegistered
from crm_contracts.events.identity import OrganisationRegistered
from crm_contracts.events.journal import AttendanceMarked, AttendanceUnmarked
from crm_contracts.registry import EventPayload
from crm_messaging import Handlers, InboxConsumer, MessagingTables
from crm_messaging.amqp import AmqpConsumer, AmqpPublisher
from crm_messaging.outbox import encode
from crm_messaging.publisher import OutgoingMessage
from crm_messaging.topology import QueueNames, RetryPolicy
from crm_platform.db import Database, new_metadata
from crm_platform.db_admin import upgrade
from crm_platform.internal_auth import Principal
from crm_platform.testing import amqp_url, eventually, fresh_database, internal_headers

from .conftest import SERVICE_DIR, J, Org, seed_read_models

POLICY = RetryPolicy(delays_ms=(100,))


class Billing:
    """A consumer of attendance events with an inbox, writing one effect row per event."""

    def __init__(self, database: Database, name: str) -> None:
        self.metadata = new_metadata()
        self.tables = MessagingTables(self.metadata)
        self.effects = Table(
            "effects",
            self.metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("event_id", Uuid, nullable=False),
            Column("tenant_id", Uuid, nullable=False),
            Column("mark_id", Uuid, nullable=False),
            Column("change", String(40), nullable=False),
        )
        self.database = database
        handlers = Handlers()
        effects = self.effects

        @handlers.on(AttendanceMarked)
        async def marked(session: AsyncSession, env: EventEnvelope, data: AttendanceMarked) -> None:
            change = f"{data.previous_status}->{data.status}"
            await session.execute(
                insert(effects).values(
                    event_id=env.id, tenant_id=env.tenant_id, mark_id=data.mark_id, change=change
                )
            )

        @handlers.on(AttendanceUnmarked)
        async def unmarked(
            session: AsyncSession, env: EventEnvelope, data: AttendanceUnmarked
        ) -> None:
            await session.execute(
                insert(effects).values(
                    event_id=env.id,
                    tenant_id=env.tenant_id,
                    mark_id=data.mark_id,
                    change=f"{data.previous_status}->None",
                )
            )

        self.inbox = InboxConsumer(name, database, self.tables.inbox, handlers)
        self.consumer = AmqpConsumer(amqp_url(), self.inbox, policy=POLICY)

    async def changes(self, tenant: uuid.UUID) -> list[str]:
        async with self.database.unit_of_work() as session:
            rows = await session.execute(
                select(self.effects.c.change)
                .where(self.effects.c.tenant_id == tenant)
                .order_by(self.effects.c.id)
            )
            return list(rows.scalars().all())


@dataclass
class System:
    journal: httpx.AsyncClient
    name: str
    billing: Billing
    publisher: AmqpPublisher
    journal_url: str = ""

    async def call(
        self, method: str, path: str, principal: Principal, **kw: object
    ) -> httpx.Response:
        headers = internal_headers(principal, self.name)
        return await self.journal.request(method, path, headers=headers, **kw)  # type: ignore[arg-type]


async def delete_queues(*consumers: str) -> None:
    connection = await aio_pika.connect(amqp_url())
    async with connection:
        channel = await connection.channel()
        for consumer in consumers:
            names = QueueNames(consumer)
            queues = [names.main, names.parking]
            queues += [names.retry(level) for level in range(1, 5)]
            for queue in queues:
                await channel.queue_delete(queue)


@pytest.fixture
async def system() -> AsyncIterator[System]:
    run = uuid.uuid4().hex[:8]
    name, billing_name = f"journal_t_{run}", f"billing_t_{run}"
    async with (
        fresh_database("journal_amqp") as journal_url,
        fresh_database("billing_standin") as billing_url,
    ):
        await upgrade(SERVICE_DIR, journal_url)
        billing_db = Database(billing_url, pool_size=2)
        billing = Billing(billing_db, billing_name)
        async with billing_db.engine.begin() as conn:
            await conn.run_sync(billing.metadata.create_all)
        settings = Settings(
            database_url=journal_url,
            amqp_url=amqp_url(),
            db_pool_size=3,
            service_name=name,
            outbox_poll_seconds=5,
        )
        app = create_app(settings)
        publisher = AmqpPublisher(amqp_url())
        try:
            await billing.consumer.start()
            await publisher.start()
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://j") as client:
                    yield System(client, name, billing, publisher, journal_url)
        finally:
            await publisher.stop()
            await billing.consumer.stop()
            await billing_db.dispose()
            await delete_queues(name, billing_name)


async def test_each_mark_change_reaches_billing_exactly_once(system: System) -> None:
    org = Org()
    owner = org.owner
    client = str(uuid.uuid4())
    await seed_read_models(system.journal_url, org, [client])
    group = (
        await system.call(
            "POST",
            f"{J}/groups",
            owner,
            json={"name": "G", "branch_id": str(org.branch), "starts_on": "2026-01-01"},
        )
    ).json()
    enrolled = await system.call(
        "POST",
        f"{J}/groups/{group['id']}/enrolments",
        owner,
        json={"client_id": client, "from_date": "2026-01-01"},
    )
    assert enrolled.status_code == 201
    lesson = (
        await system.call(
            "POST",
            f"{J}/groups/{group['id']}/lessons",
            owner,
            json={"lesson_date": "2026-03-02", "starts_at": "10:00", "duration_minutes": 60},
        )
    ).json()
    cell = f"{J}/lessons/{lesson['id']}/marks/{client}"
    for status in ("attended", "attended", "absent"):  # the second is no change: no event
        response = await system.call("PUT", cell, owner, json={"status": status})
        assert response.status_code == 200, response.text
    assert (await system.call("DELETE", cell, owner)).status_code == 204
    assert (await system.call("PUT", cell, owner, json={"status": "planned"})).status_code == 200

    async def all_arrived() -> bool:
        return len(await system.billing.changes(org.tenant)) >= 4

    await eventually(all_arrived)
    assert await system.billing.changes(org.tenant) == [
        "None->attended",
        "attended->absent",
        "absent->None",
        "None->planned",
    ]

    # The broker delivering an event again (a redelivery, a relay retry) has no second effect.
    async with system.billing.database.unit_of_work() as session:
        event_id = (
            await session.execute(select(system.billing.effects.c.event_id).limit(1))
        ).scalar_one()
    duplicate = EventEnvelope(
        id=event_id,
        type="journal.attendance_marked",
        source=system.name,
        tenant_id=org.tenant,
        subject="x",
        data={
            "mark_id": str(uuid.uuid4()),
            "lesson_id": lesson["id"],
            "group_id": group["id"],
            "branch_id": str(org.branch),
            "client_id": client,
            "lesson_date": "2026-03-02",
            "status": "attended",
        },
    )
    await system.publisher.publish_many(
        [OutgoingMessage(duplicate.id, duplicate.type, org.tenant, encode(duplicate))]
    )
    assert (await system.call("PUT", cell, owner, json={"status": "excused"})).status_code == 200

    async def sentinel_arrived() -> bool:
        return len(await system.billing.changes(org.tenant)) >= 5

    await eventually(sentinel_arrived)
    assert (await system.billing.changes(org.tenant))[-1] == "planned->excused"
    assert len(await system.billing.changes(org.tenant)) == 5


async def test_identity_and_clients_events_reach_the_journal_consumer(system: System) -> None:
    org = Org()
    client = uuid.uuid4()
    events = [
        EventEnvelope(
            type=p.event_type,
            version=p.event_version,
            source=source,
            tenant_id=org.tenant,
            subject=str(org.tenant),
            time=datetime.now(UTC),
            data=p.model_dump(mode="json"),
        )
        for p, source in (
            (
                OrganisationRegistered(
                    organisation_id=org.tenant,
                    name="Szkoła",
                    currency="PLN",
                    time_zone="Europe/Warsaw",
                    locale="pl",
                    first_branch_id=org.branch,
                    owner_user_id=org.owner_id,
                ),
                "identity",
            ),
            (ClientRegistered(client_id=client, first_name="Ola", last_name="Kowalska"), "clients"),
        )
    ]
    results = await system.publisher.publish_many(
        [OutgoingMessage(e.id, e.type, org.tenant, encode(e)) for e in events]
    )
    assert results == [None, None]

    async def known() -> bool:
        settings = (await system.call("GET", f"{J}/settings", org.owner)).json()
        return bool(settings["time_zone"] == "Europe/Warsaw")

    await eventually(known)
    group = (
        await system.call(
            "POST",
            f"{J}/groups",
            org.owner,
            json={"name": "G", "branch_id": str(org.branch), "starts_on": "2026-01-01"},
        )
    ).json()
    await system.call(
        "POST",
        f"{J}/groups/{group['id']}/enrolments",
        org.owner,
        json={"client_id": str(client), "from_date": "2026-01-01"},
    )

    async def named() -> bool:
        journal = (await system.call("GET", f"{J}/groups/{group['id']}/journal", org.owner)).json()
        return bool(journal["rows"] and journal["rows"][0]["first_name"] == "Ola")

    await eventually(named)


async def test_pack_states_from_billing_keep_the_classes_left_once_each(system: System) -> None:
    """billing.pack_sold / pack_changed through the broker: the newest state wins, the same
    event delivered twice has one effect, and a late older state is ignored."""
    org = Org()
    client = uuid.uuid4()
    await seed_read_models(system.journal_url, org, [str(client)])
    group = (
        await system.call(
            "POST",
            f"{J}/groups",
            org.owner,
            json={"name": "G", "branch_id": str(org.branch), "starts_on": "2026-01-01"},
        )
    ).json()
    enrolled = await system.call(
        "POST",
        f"{J}/groups/{group['id']}/enrolments",
        org.owner,
        json={"client_id": str(client), "from_date": "2026-01-01"},
    )
    assert enrolled.status_code == 201
    pack = uuid.uuid4()
    state = {
        "pack_id": pack,
        "client_id": client,
        "name": "Singing x 8",
        "kind": "pack",
        "classes_total": 8,
        "starts_on": date(2026, 1, 1),
        "status": "active",
    }
    start = datetime.now(UTC)

    def envelope(payload: EventPayload, seconds: int) -> EventEnvelope:
        return EventEnvelope(
            type=payload.event_type,
            version=payload.event_version,
            source="billing",
            tenant_id=org.tenant,
            subject=str(pack),
            time=start + timedelta(seconds=seconds),
            data=payload.model_dump(mode="json"),
        )

    sale = envelope(
        PackSold(
            **state,
            classes_left=8,
            price_minor=40000,
            currency="PLN",
            payment_mode="paid",
        ),
        0,
    )
    used = envelope(PackChanged(**state, classes_left=7, change="class_used"), 2)
    late = envelope(PackChanged(**state, classes_left=8, change="class_returned"), 1)
    messages = [sale, used, used, late]  # `used` delivered twice
    results = await system.publisher.publish_many(
        [OutgoingMessage(e.id, e.type, org.tenant, encode(e)) for e in messages]
    )
    assert results == [None] * 4

    async def all_consumed() -> bool:
        conn = await asyncpg.connect(system.journal_url.replace("+asyncpg", ""))
        try:
            rows = await conn.fetch(
                "SELECT event_id FROM inbox WHERE event_id = ANY($1::uuid[])",
                [sale.id, used.id, late.id],
            )
        finally:
            await conn.close()
        return len(rows) == 3

    await eventually(all_consumed)
    journal = (await system.call("GET", f"{J}/groups/{group['id']}/journal", org.owner)).json()
    [row] = journal["rows"]
    assert row["classes_left"] == 7
