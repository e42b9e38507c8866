"""Attendance events through the real RabbitMQ: one delivered twice uses one class."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import aio_pika
import pytest
from billing_svc.main import create_app
from billing_svc.settings import Settings
from fastapi.testclient import TestClient

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.identity import OrganisationRegistered
from crm_contracts.events.journal import AttendanceMarked
from crm_messaging.topology import EVENTS_EXCHANGE as EXCHANGE
from crm_messaging.topology import QueueNames, RetryPolicy
from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.testing import amqp_url, server_database_url, wait_for

from .conftest import SERVICE_DIR, Api, org_today, staff


@pytest.fixture(scope="module")
def broker_api() -> Iterator[Api]:
    url = with_database(server_database_url(), f"t_billing_mq_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    upgrade_sync(SERVICE_DIR, url)
    # A service name of its own: its queue is not shared with a billing process that an
    # end-to-end run may have on the same broker.
    name = f"billing_t{uuid.uuid4().hex[:6]}"
    settings = Settings(
        database_url=url,
        amqp_url=amqp_url(),
        db_pool_size=3,
        reminders_enabled=False,
        service_name=name,
    )
    try:
        with TestClient(create_app(settings)) as client:
            yield Api(client, url.replace("+asyncpg", ""), audience=name)
    finally:
        asyncio.run(drop_database(url))
        asyncio.run(_delete_queues(name))


async def _delete_queues(consumer: str) -> None:
    names = QueueNames(consumer)
    queues = [names.main, names.parking]
    queues += [names.retry(n) for n in range(1, len(RetryPolicy().delays_ms) + 1)]
    connection = await aio_pika.connect(amqp_url())
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)


async def publish(envelopes: list[EventEnvelope]) -> None:
    connection = await aio_pika.connect(amqp_url())
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EXCHANGE)
        for envelope in envelopes:
            await exchange.publish(
                aio_pika.Message(
                    envelope.model_dump_json().encode(),
                    content_type="application/json",
                    message_id=str(envelope.id),
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=envelope.type,
            )


def test_attendance_delivered_twice_uses_one_class(broker_api: Api) -> None:
    api = broker_api
    tenant = uuid.uuid4()
    registered = OrganisationRegistered(
        organisation_id=tenant,
        name="School",
        currency="EUR",
        time_zone="UTC",
        locale="en",
        first_branch_id=uuid.uuid4(),
        owner_user_id=uuid.uuid4(),
    )
    asyncio.run(
        publish(
            [
                EventEnvelope(
                    type=registered.event_type,
                    source="identity",
                    tenant_id=tenant,
                    subject=str(tenant),
                    data=registered.model_dump(mode="json"),
                )
            ]
        )
    )
    wait_for(lambda: bool(api.sql("SELECT 1 FROM organisations WHERE id = $1", tenant)))
    owner = staff(tenant)
    client = uuid.uuid4()
    pack = api.sell(owner, client, service_id=api.service(owner)["id"], payment_mode="none")
    marked = AttendanceMarked(
        mark_id=uuid.uuid4(),
        lesson_id=uuid.uuid4(),
        group_id=uuid.uuid4(),
        branch_id=uuid.uuid4(),
        client_id=client,
        lesson_date=org_today(),
        status="attended",
    )
    envelope = EventEnvelope(
        type=marked.event_type,
        source="journal",
        tenant_id=tenant,
        subject=str(marked.mark_id),
        time=datetime.now(UTC),
        data=marked.model_dump(mode="json"),
    )
    # A later event for another client: the queue is ordered, so once it is applied the
    # duplicate before it has been handled too.
    sentinel = envelope.model_copy(
        update={
            "id": uuid.uuid4(),
            "data": envelope.data | {"client_id": str(uuid.uuid4()), "mark_id": str(uuid.uuid4())},
        }
    )
    asyncio.run(publish([envelope, envelope, sentinel]))
    wait_for(
        lambda: bool(
            api.sql("SELECT 1 FROM usages WHERE mark_id = $1", uuid.UUID(sentinel.data["mark_id"]))
        )
    )
    left = api.call("GET", f"/clients/{client}/packs/{pack['id']}", owner).json()["pack"]
    assert left["classes_left"] == 7
    assert len(api.sql("SELECT 1 FROM usages WHERE mark_id = $1", marked.mark_id)) == 1
