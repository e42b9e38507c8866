"""Billing through the gateway, with every service running as its own process.

The four steps a school takes (sign up, add clients, fill the catalogue, sell and take
money), the reminders the scheduler sends for a prepaid and a postpaid subscription, seen on
the real event exchange, and the month's figures that follow from what was sold and paid.

Billing learns the organisation from identity's events and answers 503 with Retry-After
until it has; the test polls (bounded) instead of waiting a fixed time. The scheduler runs on
the wall clock, so the dates are chosen relative to today in the school's time zone: a
prepaid period starting today is due now, a postpaid period that ended yesterday is overdue.
"""

from __future__ import annotations

import json
import uuid
import zoneinfo
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import aio_pika
import httpx
import pytest
from aio_pika.abc import AbstractQueue

from crm_devrun.processes import poll_until
from crm_messaging.topology import EVENTS_EXCHANGE
from crm_platform.testing import amqp_url

from .test_access import bearer, sign_up
from .test_clients import create_client

BI = "/api/v1/billing"
REMINDERS = ("billing.payment_due_soon", "billing.payment_overdue")
WITHIN = 60.0


def school_today() -> date:
    """Today where the school is (sign_up uses Europe/Warsaw), as billing decides it."""
    return datetime.now(zoneinfo.ZoneInfo("Europe/Warsaw")).date()


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


@pytest.fixture
async def reminders() -> AsyncIterator[AbstractQueue]:
    """A queue of the test's own, bound to the system's event exchange for the reminders."""
    connection = await aio_pika.connect(amqp_url())
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        for routing_key in REMINDERS:
            await queue.bind(exchange, routing_key=routing_key)
        yield queue


class Seen:
    """The reminder envelopes of one organisation taken off the queue so far."""

    def __init__(self, queue: AbstractQueue, tenant: str) -> None:
        self.queue, self.tenant = queue, tenant
        self.envelopes: list[dict[str, Any]] = []

    async def drain(self) -> None:
        while (message := await self.queue.get(no_ack=True, fail=False)) is not None:
            envelope = json.loads(message.body)
            if envelope["tenant_id"] == self.tenant:
                self.envelopes.append(envelope)

    def items(self) -> Counter[tuple[str, str]]:
        return Counter((e["type"], e["data"]["due_item_id"]) for e in self.envelopes)

    def of_client(self, client_id: str) -> list[dict[str, Any]]:
        return [e for e in self.envelopes if e["data"]["client_id"] == client_id]

    async def until(self, done: Any, what: str) -> None:
        async def probe() -> bool | None:
            await self.drain()
            return True if done() else None

        await poll_until(probe, within=WITHIN, what=what)


async def billing_knows(gateway: httpx.AsyncClient, owner: dict[str, str]) -> None:
    """503 with Retry-After until billing has the organisation from identity's event."""

    async def probe() -> bool | None:
        response = await gateway.get(f"{BI}/reports/monthly", headers=owner)
        if response.status_code == 503:
            assert response.headers.get("retry-after"), response.headers
            return None
        assert response.status_code == 200, response.text
        return True

    await poll_until(probe, within=WITHIN, what="billing to learn the organisation")


async def add_service(
    gateway: httpx.AsyncClient, owner: dict[str, str], **body: Any
) -> dict[str, Any]:
    response = await gateway.post(f"{BI}/catalogue", headers=owner, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def sell(
    gateway: httpx.AsyncClient, owner: dict[str, str], client_id: str, **body: Any
) -> dict[str, Any]:
    response = await gateway.post(
        f"{BI}/clients/{client_id}/packs", headers=owner | key(), json=body
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def balance(gateway: httpx.AsyncClient, owner: dict[str, str], client_id: str) -> int:
    response = await gateway.get(f"{BI}/clients/{client_id}/balance", headers=owner)
    assert response.status_code == 200, response.text
    return int(response.json()["balance_minor"])


async def test_selling_paying_reminders_and_the_months_figures(
    gateway: httpx.AsyncClient, reminders: AbstractQueue
) -> None:
    # 1. sign up; billing answers 503 until it has learnt the organisation
    school = await sign_up(gateway, "Billing school")
    owner = bearer(school["tokens"])
    tenant = school["organisation"]["id"]
    await billing_knows(gateway, owner)
    seen = Seen(reminders, tenant)

    # 2. clients (three: the free plan's limit)
    anna = await create_client(gateway, owner, "Anna", "601 100 001")
    piotr = await create_client(gateway, owner, "Piotr", "601 100 002")
    ewa = await create_client(gateway, owner, "Ewa", "601 100 003")

    # 3. the catalogue: a pack, a prepaid and a postpaid subscription
    singing = await add_service(
        gateway,
        owner,
        kind="pack",
        name="Singing x 8",
        price_minor=40_000,
        classes=8,
        period={"unit": "month", "count": 1},
    )
    plan = await add_service(
        gateway,
        owner,
        kind="subscription",
        name="Monthly plan",
        price_minor=25_000,
        unlimited=True,
        period={"unit": "month", "count": 1},
        billing="prepaid",
    )
    coaching = await add_service(
        gateway,
        owner,
        kind="subscription",
        name="Weekly coaching",
        price_minor=12_000,
        unlimited=True,
        period={"unit": "week", "count": 1},
        billing="postpaid",
    )
    listed = await gateway.get(f"{BI}/catalogue", headers=owner)
    assert listed.status_code == 200, listed.text
    assert {s["id"] for s in listed.json()["items"]} == {singing["id"], plan["id"], coaching["id"]}

    # 4. sell and take money
    today = school_today()
    paid_pack = await sell(
        gateway, owner, anna["id"], service_id=singing["id"], payment_mode="paid", method="card"
    )
    assert paid_pack["classes_left"] == 8
    assert paid_pack["paid_minor"] == 40_000
    credit_pack = await sell(
        gateway,
        owner,
        anna["id"],
        service_id=singing["id"],
        payment_mode="credit",
        due_on=str(today + timedelta(days=30)),
    )
    prepaid = await sell(gateway, owner, piotr["id"], service_id=plan["id"], payment_mode="credit")
    assert prepaid["starts_on"] == str(today)
    postpaid = await sell(
        gateway,
        owner,
        ewa["id"],
        service_id=coaching["id"],
        payment_mode="credit",
        starts_on=str(today - timedelta(days=7)),
        # one period only: renewing by itself would start (and charge) the next one today
        auto_renew=False,
    )
    assert postpaid["ends_on"] == str(today - timedelta(days=1))

    paid = await gateway.post(
        f"{BI}/clients/{anna['id']}/payments",
        headers=owner | key(),
        json={
            "amount_minor": 30_000,
            "method": "cash",
            "allocations": [{"pack_id": credit_pack["id"], "amount_minor": 30_000}],
        },
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["allocations"][0]["target_id"] == credit_pack["id"]
    replay_key = key()
    extra = {"amount_minor": 5_000, "method": "transfer"}
    first = await gateway.post(
        f"{BI}/clients/{piotr['id']}/payments", headers=owner | replay_key, json=extra
    )
    again = await gateway.post(
        f"{BI}/clients/{piotr['id']}/payments", headers=owner | replay_key, json=extra
    )
    assert first.status_code == 201, first.text
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]

    assert await balance(gateway, owner, anna["id"]) == -10_000
    assert await balance(gateway, owner, piotr["id"]) == -20_000
    assert await balance(gateway, owner, ewa["id"]) == -12_000
    payments = await gateway.get(f"{BI}/payments", headers=owner)
    assert payments.status_code == 200, payments.text
    assert sorted(p["amount_minor"] for p in payments.json()["items"]) == [5_000, 30_000, 40_000]

    # reminders: the prepaid period starting today is due, the postpaid one is overdue;
    # the pack on credit (due in 30 days) has no reminder yet
    def both_reminded() -> bool:
        return bool(seen.of_client(piotr["id"])) and bool(seen.of_client(ewa["id"]))

    await seen.until(both_reminded, "the due and overdue reminders")
    # A later due item makes the scheduler look again at everything; once its reminder is
    # out, a repeat of the first two would have been sent before it.
    sentinel = await sell(gateway, owner, anna["id"], service_id=plan["id"], payment_mode="credit")
    await seen.until(lambda: bool(seen.of_client(anna["id"])), "the later item's reminder")
    await seen.drain()

    due_soon = seen.of_client(piotr["id"])
    overdue = seen.of_client(ewa["id"])
    assert [e["type"] for e in due_soon] == ["billing.payment_due_soon"]
    assert [e["type"] for e in overdue] == ["billing.payment_overdue"]
    assert due_soon[0]["data"]["due_on"] == str(today)
    assert due_soon[0]["data"]["amount_minor"] == 25_000
    assert due_soon[0]["data"]["pack_id"] == prepaid["id"]
    assert due_soon[0]["data"]["kind"] == "prepaid"
    assert overdue[0]["data"]["due_on"] == str(today - timedelta(days=1))
    assert overdue[0]["data"]["pack_id"] == postpaid["id"]
    assert overdue[0]["data"]["kind"] == "postpaid"
    assert overdue[0]["data"]["balance_minor"] == -12_000
    # Anna's pack on credit is due in 30 days: only her later plan was reminded about
    assert [e["data"]["pack_id"] for e in seen.of_client(anna["id"])] == [sentinel["id"]]
    assert all(count == 1 for count in seen.items().values()), seen.items()

    # the month's figures follow from the sales and payments
    report = await gateway.get(f"{BI}/reports/monthly", headers=owner, params={"month": str(today)})
    assert report.status_code == 200, report.text
    figures = report.json()
    sold = 40_000 + 40_000 + 25_000 + 12_000 + 25_000  # Anna's later plan too
    received = 40_000 + 30_000 + 5_000
    assert figures["currency"] == "PLN"
    assert figures["month"] == str(today.replace(day=1))
    assert figures["revenue_minor"] == sold
    assert figures["received_minor"] == received
    assert figures["debt_change_minor"] == sold - received
    assert figures["debt_now_minor"] == 10_000 + 25_000 + 20_000 + 12_000
    assert figures["clients_in_debt"] == 3
    by_service = {f["id"]: f["revenue_minor"] for f in figures["by_service"]}
    assert by_service[singing["id"]] == 80_000
    assert by_service[plan["id"]] == 50_000
    assert by_service[coaching["id"]] == 12_000

    # another organisation sees none of it
    stranger = bearer((await sign_up(gateway, "Another billing school"))["tokens"])
    await billing_knows(gateway, stranger)
    hidden = await gateway.get(f"{BI}/clients/{anna['id']}/balance", headers=stranger)
    assert hidden.status_code == 404
    theirs = await gateway.get(f"{BI}/reports/monthly", headers=stranger)
    assert theirs.json()["revenue_minor"] == 0
