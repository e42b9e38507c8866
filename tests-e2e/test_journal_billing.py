"""Classes left go down and back up: the journal and billing as their own processes, driven
only through the gateway.

A client is sold a pack of N classes; attending a lesson uses one (the journal row shows N-1),
changing the mark to excused gives it back (N), and removing the mark then marking attended
again uses one again. Every step crosses RabbitMQ twice (journal -> billing for the mark,
billing -> journal for the pack's state), so the test polls, bounded, instead of waiting.
"""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from crm_devrun.processes import poll_until

from .test_access import PASSWORD, bearer, journal_knows, post_once_known, sign_up
from .test_clients import CLIENTS, create_client

J = "/api/v1/journal"
BI = "/api/v1/billing"
BI_PACKS = BI + "/clients/{client}/packs"
CLASSES = 5
WITHIN = 60.0


def school_today() -> date:
    """Today where the school is (sign_up uses Europe/Warsaw): a pack sold without a start
    date starts today there, and only lessons from then on use it."""
    return datetime.now(zoneinfo.ZoneInfo("Europe/Warsaw")).date()


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


async def add_service(gateway: httpx.AsyncClient, owner: dict[str, str], **body: Any) -> Any:
    return await post(gateway, f"{BI}/catalogue", owner, body)


async def sell(
    gateway: httpx.AsyncClient, owner: dict[str, str], client_id: str, **body: Any
) -> Any:
    headers = owner | {"Idempotency-Key": uuid.uuid4().hex}
    return await post(gateway, f"{BI}/clients/{client_id}/packs", headers, body)


async def post(gateway: httpx.AsyncClient, path: str, headers: dict[str, str], body: Any) -> Any:
    response = await gateway.post(path, headers=headers, json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def test_classes_left_go_down_and_back_up(gateway: httpx.AsyncClient) -> None:
    await classes_left_go_down_and_back_up(gateway)


async def test_classes_left_go_down_and_back_up_embedded_on_sqlite(
    embedded_gateway: httpx.AsyncClient,
) -> None:
    """The same on `make run`'s default: one process, in-process bus, SQLite files (where
    a time read back once lost its offset and a removed mark never gave the class back)."""
    await classes_left_go_down_and_back_up(embedded_gateway)


async def classes_left_go_down_and_back_up(gateway: httpx.AsyncClient) -> None:
    school = await sign_up(gateway, "Journal billing school")
    owner = bearer(school["tokens"])
    branch = school["branch"]["id"]
    await billing_knows(gateway, owner)
    await journal_knows(gateway, owner)
    today = school_today()

    group = await post(
        gateway,
        f"{J}/groups",
        owner,
        {"name": "Singing", "branch_id": branch, "starts_on": str(today - timedelta(days=30))},
    )
    client = await create_client(gateway, owner, "Marta", "601 200 300")
    card = await gateway.get(f"{CLIENTS}/{client['id']}", headers=owner)
    assert card.status_code == 200, card.text
    for name in ("created_at", "updated_at"):  # read back from storage, with its offset
        assert datetime.fromisoformat(card.json()[name]).utcoffset() == timedelta(0), card.text
    await post_once_known(
        gateway,
        f"{J}/groups/{group['id']}/enrolments",
        owner,
        {"client_id": client["id"], "from_date": str(today - timedelta(days=7))},
    )
    singing = await add_service(
        gateway,
        owner,
        kind="pack",
        name=f"Singing x {CLASSES}",
        price_minor=25_000,
        classes=CLASSES,
        period={"unit": "month", "count": 1},
    )
    pack = await sell(
        gateway, owner, client["id"], service_id=singing["id"], payment_mode="paid", method="cash"
    )
    assert pack["classes_left"] == CLASSES
    lesson = await post(
        gateway,
        f"{J}/groups/{group['id']}/lessons",
        owner,
        # at midnight: a lesson today that has begun whenever the test runs (marks wait for it)
        {"lesson_date": str(today), "starts_at": "00:00", "duration_minutes": 60},
    )
    journal_url = f"{J}/groups/{group['id']}/journal?from_date={today}&until_date={today}"
    cell = f"{J}/lessons/{lesson['id']}/marks/{client['id']}"

    async def row() -> dict[str, Any]:
        response = await gateway.get(journal_url, headers=owner)
        assert response.status_code == 200, response.text
        [only] = response.json()["rows"]
        assert only["client_id"] == client["id"]
        return only  # type: ignore[no-any-return]

    async def classes_left_becomes(expected: int, what: str) -> None:
        async def probe() -> bool | None:
            return True if (await row())["classes_left"] == expected else None

        await poll_until(probe, within=WITHIN, what=what)

    async def billing_says(expected: int) -> None:
        response = await gateway.get(
            f"{BI_PACKS.format(client=client['id'])}/{pack['id']}", headers=owner
        )
        assert response.status_code == 200, response.text
        assert response.json()["pack"]["classes_left"] == expected

    await classes_left_becomes(CLASSES, "the sold pack to reach the journal")
    assert (await row())["first_name"] == "Marta"

    async def put(status: str) -> None:
        response = await gateway.put(cell, headers=owner, json={"status": status})
        assert response.status_code == 200, response.text

    await put("attended")
    await classes_left_becomes(CLASSES - 1, "an attended lesson to use a class")
    await billing_says(CLASSES - 1)

    await put("excused")
    await classes_left_becomes(CLASSES, "an excused absence to give the class back")
    await billing_says(CLASSES)

    await put("attended")
    await classes_left_becomes(CLASSES - 1, "attending again to use a class again")
    removed = await gateway.delete(cell, headers=owner)
    assert removed.status_code == 204, removed.text
    await classes_left_becomes(CLASSES, "a removed mark to give the class back")
    await put("attended")
    await classes_left_becomes(CLASSES - 1, "marking again to use a class again")
    await billing_says(CLASSES - 1)

    # A teacher of the group whose finances are hidden sees neither the balance nor the
    # classes left; one whose finances are shown sees both.
    for hidden in (True, False):
        email = f"teacher-{uuid.uuid4().hex[:8]}@school.example.com"
        await post(
            gateway,
            "/api/v1/identity/staff",
            owner,
            {
                "email": email,
                "name": "Teacher",
                "role": "teacher",
                "grants": [{"scope": "group", "scope_id": group["id"]}],
                "password": PASSWORD,
                "finances_hidden": hidden,
            },
        )
        tokens = await post(gateway, "/auth/token", {}, {"email": email, "password": PASSWORD})
        seen = await gateway.get(journal_url, headers=bearer(tokens))
        assert seen.status_code == 200, seen.text
        [teacher_row] = seen.json()["rows"]
        expected = None if hidden else CLASSES - 1
        assert teacher_row["classes_left"] == expected
        assert (teacher_row["balance_minor"] is None) is hidden
