"""Events through the real RabbitMQ: every read model ends equal to the owner's last state
after the events are redelivered and arrive out of order.

The portal runs here under a service name of its own, so its queue is this test's alone."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import aio_pika
import httpx
import pytest
from portal_svc.main import create_app
from portal_svc.settings import Settings

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events import billing as b
from crm_contracts.events import journal as j
from crm_messaging.amqp import AmqpPublisher
from crm_messaging.outbox import encode
from crm_messaging.publisher import OutgoingMessage
from crm_messaging.topology import QueueNames
from crm_platform.db_admin import upgrade
from crm_platform.internal_auth import Principal
from crm_platform.testing import amqp_url, eventually, fresh_database, internal_headers

from .conftest import SERVICE_DIR, TODAY_NOON, Org, P, account, envelope


@dataclass
class System:
    portal: httpx.AsyncClient
    name: str
    publisher: AmqpPublisher

    async def get(self, path: str, principal: Principal, **params: Any) -> Any:
        headers = internal_headers(principal, self.name)
        response = await self.portal.get(path, headers=headers, params=params)
        return response.json() if response.status_code == 200 else None

    async def publish(self, envelopes: list[EventEnvelope]) -> None:
        results = await self.publisher.publish_many(
            [OutgoingMessage(e.id, e.type, e.tenant_id, encode(e)) for e in envelopes]
        )
        assert all(r is None for r in results)


async def delete_queues(consumer: str) -> None:
    connection = await aio_pika.connect(amqp_url())
    async with connection:
        channel = await connection.channel()
        names = QueueNames(consumer)
        for queue in [names.main, names.parking, *(names.retry(n) for n in range(1, 5))]:
            await channel.queue_delete(queue)


@pytest.fixture
async def system() -> AsyncIterator[System]:
    name = f"portal_t_{uuid.uuid4().hex[:8]}"
    async with fresh_database("portal_amqp") as url:
        await upgrade(SERVICE_DIR, url)
        settings = Settings(
            database_url=url, amqp_url=amqp_url(), db_pool_size=3, service_name=name
        )
        app = create_app(settings)
        app.state.clock = lambda: TODAY_NOON
        publisher = AmqpPublisher(amqp_url())
        try:
            await publisher.start()
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://p") as client:
                    yield System(client, name, publisher)
        finally:
            await publisher.stop()
            await delete_queues(name)


async def test_read_models_converge_on_the_owners_last_state(system: System) -> None:
    org = Org()
    rng = random.Random(17)
    pack_id, invoice_id, lesson_id, mark_id = (uuid.uuid4() for _ in range(4))
    base = {
        "pack_id": pack_id,
        "client_id": org.child,
        "name": "8 classes",
        "kind": "pack",
        "classes_total": 8,
        "starts_on": date(2026, 2, 1),
        "ends_on": date(2026, 4, 30),
        "status": "active",
        "change": "class_used",
    }
    invoice = {
        "invoice_id": invoice_id,
        "client_id": org.child,
        "description": "March",
        "amount_minor": 20000,
        "currency": "PLN",
        "due_on": date(2026, 3, 10),
    }
    lesson = {
        "lesson_id": lesson_id,
        "group_id": org.group,
        "branch_id": org.branch,
        "duration_minutes": 45,
    }
    mark = {
        "mark_id": mark_id,
        "lesson_id": lesson_id,
        "group_id": org.group,
        "branch_id": org.branch,
        "client_id": org.child,
        "lesson_date": date(2026, 3, 9),
    }
    # Each owner's history, oldest first; the last state of each is what must remain.
    history = [
        *org.basics(),
        *(b.PackChanged.model_validate(base | {"classes_left": n}) for n in (8, 7, 6, 5)),
        *(
            b.BalanceChanged(client_id=org.child, balance_minor=m, currency="PLN")
            for m in (0, -20000, -12000)
        ),
        b.InvoiceIssued.model_validate(invoice | {"paid_minor": 0, "status": "open"}),
        b.InvoiceChanged.model_validate(invoice | {"paid_minor": 8000, "status": "open"}),
        j.LessonScheduled.model_validate(
            lesson | {"lesson_date": date(2026, 3, 2), "starts_at": "17:00"}
        ),
        j.LessonChanged.model_validate(
            lesson | {"lesson_date": date(2026, 3, 9), "starts_at": "18:00", "version": 2}
        ),
        j.AttendanceMarked.model_validate(mark | {"status": "planned"}),
        j.AttendanceMarked.model_validate(mark | {"status": "absent"}),
        j.AttendanceMarked.model_validate(
            mark | {"status": "excused", "makeup_until": date(2026, 4, 8)}
        ),
        org.card(org.child, "Janek"),
    ]
    envelopes = [envelope(p, org.tenant, org.at()) for p in history]
    shuffled = envelopes + rng.sample(envelopes, 10)  # ten delivered twice
    rng.shuffle(shuffled)
    await system.publish(shuffled)

    parent = account(org.tenant, org.parent)

    async def converged() -> bool:
        seen = await system.get(f"{P}/overview", parent, client_id=org.child)
        return bool(
            seen
            and seen["client"]["first_name"] == "Janek"
            and [p["classes_left"] for p in seen["packs"]] == [5]
            and seen["balance"] == {"amount_minor": -12000, "currency": "PLN"}
            and [i["paid_minor"] for i in seen["open_invoices"]] == [8000]
            and [(x["lesson_date"], x["starts_at"]) for x in seen["next_lessons"]]
            == [("2026-03-09", "18:00")]
            and [x["mark_id"] for x in seen["makeup_credits"]] == [str(mark_id)]
            and seen["as_of"]["billing"] is not None
        )

    await eventually(converged)
    # Nothing older arrives after convergence to undo it: redeliver everything once more.
    await system.publish(envelopes[::-1])
    sentinel = envelope(
        b.BalanceChanged(client_id=org.other_child, balance_minor=1, currency="PLN"),
        org.tenant,
        org.at() + timedelta(seconds=1),
    )
    await system.publish([sentinel])

    async def sentinel_seen() -> bool:
        seen = await system.get(f"{P}/overview", parent, client_id=org.other_child)
        return bool(seen and seen["balance"])

    await eventually(sentinel_seen)
    assert await converged()
    attendance = await system.get(f"{P}/attendance", parent, client_id=org.child)
    assert [x["status"] for x in attendance["marks"]] == ["excused"]
