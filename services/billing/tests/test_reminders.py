"""Due and overdue reminders: once per due item, also with two schedulers at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

from billing_svc.reminders.scheduler import run_once

from crm_contracts.events.clients import ClientFrozen

from .conftest import Api, org_today, staff


def test_prepaid_and_postpaid_reminders_once_each(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    monthly = {"kind": "subscription", "classes": None, "unlimited": True}
    prepaid = api.service(owner, name="Plan", billing="prepaid", **monthly)
    postpaid = api.service(owner, name="Coaching", billing="postpaid", **monthly)
    soon_client, late_client, frozen_client = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    today = org_today()
    api.sell(
        owner,
        soon_client,
        service_id=prepaid["id"],
        payment_mode="credit",
        starts_on=str(today + timedelta(days=2)),
    )
    api.sell(
        owner,
        late_client,
        service_id=postpaid["id"],
        payment_mode="credit",
        starts_on=str(today - timedelta(days=40)),
    )
    api.sell(
        owner,
        frozen_client,
        service_id=prepaid["id"],
        payment_mode="credit",
        starts_on=str(today - timedelta(days=3)),
    )
    api.deliver(
        tenant,
        ClientFrozen(
            client_id=frozen_client,
            from_date=today - timedelta(days=1),
            until_date=today + timedelta(days=5),
            reason="holiday",
        ),
    )
    app = api.client.app
    database, outbox, clock = app.state.database, app.state.outbox, app.state.clock  # type: ignore[attr-defined]

    async def twice() -> list[int]:
        return list(await asyncio.gather(*(run_once(database, outbox, clock) for _ in range(2))))

    api.client.portal.call(twice)  # type: ignore[union-attr]
    api.client.portal.call(twice)  # type: ignore[union-attr]
    soon = [e["data"] for e in api.events("billing.payment_due_soon", tenant)]
    overdue = [e["data"] for e in api.events("billing.payment_overdue", tenant)]
    assert [(d["client_id"], d["kind"]) for d in soon] == [(str(soon_client), "prepaid")]
    assert [(d["client_id"], d["kind"]) for d in overdue] == [(str(late_client), "postpaid")]
    assert overdue[0]["due_on"] == str(date.fromisoformat(overdue[0]["due_on"]))
    # Paying settles the rest: no reminder for a client who owes nothing.
    api.write(
        f"/clients/{frozen_client}/payments", owner, {"amount_minor": 40000, "method": "cash"}
    )
    api.client.portal.call(twice)  # type: ignore[union-attr]
    assert len(api.events("billing.payment_overdue", tenant)) == 1
