"""A sale on credit with a due date, through the gateway: its invoice is listed with the due
date, and the reminder billing's scheduler publishes when it falls due names that invoice."""

from __future__ import annotations

from datetime import timedelta

import httpx
from aio_pika.abc import AbstractQueue

from .test_access import bearer, sign_up
from .test_billing import BI, Seen, add_service, billing_knows, reminders, school_today, sell
from .test_clients import create_client

__all__ = ["reminders"]  # the fixture, used here by name


async def test_a_credit_sale_with_a_due_date_shows_its_invoice_and_the_reminder_names_it(
    gateway: httpx.AsyncClient, reminders: AbstractQueue
) -> None:
    signed = await sign_up(gateway, "Invoicing school")
    owner = bearer(signed["tokens"])
    seen = Seen(reminders, signed["organisation"]["id"])
    await billing_knows(gateway, owner)
    pupil = await create_client(gateway, owner, "Marta", "601 300 100")
    pack = await add_service(
        gateway,
        owner,
        kind="pack",
        name="Violin x 8",
        price_minor=32_000,
        classes=8,
        period={"unit": "month", "count": 1},
    )
    due_on = school_today() + timedelta(days=1)
    sold = await sell(
        gateway,
        owner,
        pupil["id"],
        service_id=pack["id"],
        payment_mode="credit",
        due_on=str(due_on),
    )
    listed = await gateway.get(f"{BI}/clients/{pupil['id']}/invoices", headers=owner)
    assert listed.status_code == 200, listed.text
    [invoice] = listed.json()["items"]
    assert invoice["pack_id"] == sold["id"]
    assert (invoice["amount_minor"], invoice["due_on"], invoice["status"]) == (
        32_000,
        str(due_on),
        "open",
    )
    everyone = await gateway.get(f"{BI}/invoices", headers=owner, params={"status": "open"})
    assert invoice["id"] in [i["id"] for i in everyone.json()["items"]]

    await seen.until(lambda: bool(seen.of_client(pupil["id"])), "the due reminder")
    [reminder] = seen.of_client(pupil["id"])
    assert reminder["type"] == "billing.payment_due_soon"
    assert reminder["data"]["invoice_id"] == invoice["id"]
    assert reminder["data"]["due_on"] == str(due_on)
