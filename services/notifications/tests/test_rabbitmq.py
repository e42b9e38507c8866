"""Through the real RabbitMQ: a payment-due event delivered twice is one letter, counted at
the SMTP server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import aio_pika
import pytest
from fastapi.testclient import TestClient
from notifications_svc.main import create_app

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.billing import PaymentDueSoon
from crm_contracts.events.clients import ClientRegistered
from crm_contracts.events.identity import OrganisationRegistered
from crm_contracts.registry import EventPayload
from crm_messaging.topology import EVENTS_EXCHANGE, QueueNames, RetryPolicy
from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.testing import amqp_url, server_database_url

from .conftest import SERVICE_DIR, Api, Mailbox, app_settings, wait_for


@pytest.fixture(scope="module")
def broker_api(smtp: Mailbox) -> Iterator[Api]:
    url = with_database(server_database_url(), f"t_notify_mq_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    upgrade_sync(SERVICE_DIR, url)
    # a queue of its own, not shared with a notifications process of an end-to-end run
    name = f"notifications_t{uuid.uuid4().hex[:6]}"
    settings = app_settings(url, smtp, amqp_url=amqp_url(), service_name=name)
    try:
        with TestClient(create_app(settings)) as client:
            yield Api(client, url.replace("+asyncpg", ""), smtp)
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
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
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


def test_a_due_reminder_published_twice_is_one_letter(broker_api: Api) -> None:
    api = broker_api
    tenant, client = uuid.uuid4(), uuid.uuid4()
    address = f"mq-{client.hex[:8]}@example.com"
    events: list[EventPayload] = [
        OrganisationRegistered(
            organisation_id=tenant,
            name="School",
            currency="EUR",
            time_zone="UTC",
            locale="en",
            first_branch_id=uuid.uuid4(),
            owner_user_id=uuid.uuid4(),
        ),
        ClientRegistered(
            client_id=client, first_name="Ola", last_name="K", email=address, email_confirmed=True
        ),
    ]
    asyncio.run(publish([api.envelope(e, tenant) for e in events]))
    wait_for(lambda: api.sql("SELECT 1 FROM clients WHERE id = $1", client))
    reminder = api.envelope(
        PaymentDueSoon(
            due_item_id=uuid.uuid4(),
            client_id=client,
            kind="credit",
            due_on="2026-12-24",
            amount_minor=9_900,
            currency="EUR",
            balance_minor=-9_900,
        ),
        tenant,
    )
    # an event behind the copies: the queue is ordered, so once it is handled, so are they
    stranger = uuid.uuid4()
    sentinel = reminder.model_copy(
        update={"id": uuid.uuid4(), "data": reminder.data | {"client_id": str(stranger)}}
    )
    asyncio.run(publish([reminder, reminder, sentinel]))
    wait_for(lambda: api.messages(client_id=stranger))
    wait_for(lambda: api.messages(client_id=client, status="sent"))
    (letter,) = api.smtp.to(address)
    assert "€99.00" in str(letter["Subject"])
