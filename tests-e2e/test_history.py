"""A client's history through the gateway, with every service its own process: the sale and
the payment (billing), an attendance mark and a group transfer (journal), and classes given
to a friend, each in its section, learnt by clients from the other contexts' events."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from crm_devrun.processes import poll_until

from .test_access import bearer, journal_knows, post_once_known, sign_up
from .test_billing import BI, add_service, billing_knows, school_today, sell
from .test_clients import CLIENTS, create_client

J = "/api/v1/journal"
WITHIN = 60.0


async def post(gateway: httpx.AsyncClient, path: str, headers: dict[str, str], body: Any) -> Any:
    response = await gateway.post(path, headers=headers, json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def test_a_clients_history_shows_sale_payment_mark_and_transfers_in_sections(
    gateway: httpx.AsyncClient,
) -> None:
    school = await sign_up(gateway, "History school")
    owner, branch = bearer(school["tokens"]), school["branch"]["id"]
    await billing_knows(gateway, owner)
    await journal_knows(gateway, owner)
    today = school_today()
    started = str(today - timedelta(days=30))
    beginners, advanced = [
        await post(
            gateway, f"{J}/groups", owner, {"name": n, "branch_id": branch, "starts_on": started}
        )
        for n in ("Beginners", "Advanced")
    ]
    pupil = await create_client(gateway, owner, "Olek", "601 400 100")
    friend = await create_client(gateway, owner, "Ada", "601 400 200")
    await post_once_known(
        gateway,
        f"{J}/groups/{beginners['id']}/enrolments",
        owner,
        {"client_id": pupil["id"], "from_date": str(today - timedelta(days=7))},
    )
    service = await add_service(
        gateway,
        owner,
        kind="pack",
        name="Drums x 8",
        price_minor=24_000,
        classes=8,
        period={"unit": "month", "count": 1},
    )
    pack = await sell(gateway, owner, pupil["id"], service_id=service["id"], payment_mode="credit")
    payments = f"{BI}/clients/{pupil['id']}/payments"
    paid = await gateway.post(
        payments,
        headers=owner | {"Idempotency-Key": uuid.uuid4().hex},
        json={
            "amount_minor": 24_000,
            "method": "card",
            "allocations": [{"pack_id": pack["id"], "amount_minor": 24_000}],
        },
    )
    assert paid.status_code == 201, paid.text
    lesson = await post(
        gateway,
        f"{J}/groups/{beginners['id']}/lessons",
        owner,
        {
            "lesson_date": str(today - timedelta(days=1)),
            "starts_at": "18:00",
            "duration_minutes": 60,
        },
    )
    mark = await gateway.put(
        f"{J}/lessons/{lesson['id']}/marks/{pupil['id']}",
        headers=owner,
        json={"status": "attended"},
    )
    assert mark.status_code == 200, mark.text
    enrolments = await gateway.get(f"{J}/groups/{beginners['id']}/enrolments", headers=owner)
    [enrolment] = enrolments.json()["items"]
    await post(
        gateway,
        f"{J}/groups/{beginners['id']}/enrolments/{enrolment['id']}/transfer",
        owner,
        {"to_group_id": advanced["id"], "on_date": str(today)},
    )
    given = await gateway.post(
        f"{BI}/clients/{pupil['id']}/packs/{pack['id']}/transfer",
        headers=owner | {"Idempotency-Key": uuid.uuid4().hex},
        json={"to_client_id": friend["id"], "classes": 2},
    )
    assert given.status_code == 200, given.text

    async def section(name: str, *wanted: str) -> list[str] | None:
        answer = await gateway.get(
            f"{CLIENTS}/{pupil['id']}/history", headers=owner, params={"section": name}
        )
        assert answer.status_code == 200, answer.text
        lines = [item["summary"] for item in answer.json()["items"]]
        return lines if all(any(w in line for line in lines) for w in wanted) else None

    async def history_has(name: str, *wanted: str) -> list[str]:
        return await poll_until(
            lambda: section(name, *wanted), within=WITHIN, what=f"{wanted} in {name}"
        )

    finances = await history_has(
        "finances", "Sold Drums x 8 for 240.00", "Payment of 240.00 PLN by card"
    )
    assert any(line.startswith("Invoice for 240.00 PLN") for line in finances)
    await history_has(
        "visits",
        f"Marked attended on {today - timedelta(days=1)} in group Beginners",
        "Transferred out of group Beginners",
        f"Transferred to group Advanced from {today}",
    )
    await history_has("other", "Drums x 8: classes transferred to another client (2 classes)")
