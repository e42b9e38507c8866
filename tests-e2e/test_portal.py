"""The client portal through the gateway, every service a process of its own.

A parent signs up with the phone on her card (the code arrives as identity's event, as the SMS
gateway would get it), is linked with her two children, switches between them and sees each
one's pack, balance and next lesson; a payment staff record shows; with billing and the journal
stopped the overview still answers with the last known state; a make-up is booked into another
group's free seat and appears in that group's journal; a personal link shows one overview until
staff revoke it; a portal token on a staff route, and the reverse, are 401.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aio_pika
import httpx
import pytest

from crm_contracts.envelope import EventEnvelope
from crm_devrun.processes import poll_until, wait_ready
from crm_devrun.system import System
from crm_platform.dev_keys import DEV_SEAL_PRIVATE_KEY
from crm_platform.sealing import Opener
from crm_platform.testing import amqp_url

from .test_access import bearer, sign_up
from .test_clients import CLIENTS, create_client
from .test_journal_billing import BI, J, add_service, billing_knows, post, school_today, sell

P = "/portal/v1"
WITHIN = 60.0
PASSWORD = "a parent's long password"


class CodeInbox:
    """Stands in for the SMS gateway: identity's portal codes, opened as notifications would."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}
        self._opener = Opener(DEV_SEAL_PRIVATE_KEY)

    def take(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        data = EventEnvelope.model_validate_json(message.body).data
        self.codes[data["login"]] = self._opener.open("portal_code", data["sealed_code"])

    async def code_for(self, login: str) -> str:
        async def probe() -> str | None:
            return self.codes.pop(login, None)

        return await poll_until(probe, within=WITHIN, what=f"a code for {login}")


@pytest.fixture
async def code_inbox() -> AsyncIterator[CodeInbox]:
    inbox = CodeInbox()
    connection = await aio_pika.connect(amqp_url())
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange("crm.events")
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="identity.portal_code_issued")

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                inbox.take(message)

        await queue.consume(on_message)
        yield inbox


async def ok(response: Any, status: int = 200) -> Any:
    resolved = await response
    assert resolved.status_code == status, resolved.text
    return resolved.json() if resolved.content else None


async def test_a_parent_signs_up_switches_children_and_books_a_makeup(
    gateway: httpx.AsyncClient, system: System, code_inbox: CodeInbox
) -> None:
    school = await sign_up(gateway, "Portal school")
    owner = bearer(school["tokens"])
    org, branch = school["organisation"]["id"], school["branch"]["id"]
    await billing_knows(gateway, owner)
    today = school_today()
    phone = f"+48 609 {uuid.uuid4().int % 10**6:06d}"
    login = phone.replace(" ", "")
    parent = await create_client(gateway, owner, "Anna", phone)
    kids = [
        await create_client(gateway, owner, n, f"+48 61{n}") for n in ("2 000 001", "2 000 002")
    ]
    for kid in kids:
        family = f"{CLIENTS}/{parent['id']}/family"
        await ok(gateway.post(family, headers=owner, json={"client_id": kid["id"]}))

    # The journal: Jan and Ola in Piano 1; Jan missed a lesson (excused); Piano 2 has a seat.
    since = str(today - timedelta(days=30))
    piano1 = await post(
        gateway,
        f"{J}/groups",
        owner,
        {"name": "Piano 1", "branch_id": branch, "programme": "piano", "starts_on": since},
    )
    piano2 = await post(
        gateway,
        f"{J}/groups",
        owner,
        {
            "name": "Piano 2",
            "branch_id": branch,
            "programme": "piano",
            "capacity": 3,
            "starts_on": since,
        },
    )
    for kid in kids:
        await post(
            gateway,
            f"{J}/groups/{piano1['id']}/enrolments",
            owner,
            {"client_id": kid["id"], "from_date": since},
        )
    missed = await post(
        gateway,
        f"{J}/groups/{piano1['id']}/lessons",
        owner,
        {
            "lesson_date": str(today - timedelta(days=2)),
            "starts_at": "17:00",
            "duration_minutes": 45,
        },
    )
    nexts = [
        await post(
            gateway,
            f"{J}/groups/{piano1['id']}/lessons",
            owner,
            {
                "lesson_date": str(today + timedelta(days=d)),
                "starts_at": "17:00",
                "duration_minutes": 45,
            },
        )
        for d in (2, 9)
    ]
    seat = await post(
        gateway,
        f"{J}/groups/{piano2['id']}/lessons",
        owner,
        {
            "lesson_date": str(today + timedelta(days=4)),
            "starts_at": "16:00",
            "duration_minutes": 45,
        },
    )
    excused = await ok(
        gateway.put(
            f"{J}/lessons/{missed['id']}/marks/{kids[0]['id']}",
            headers=owner,
            json={"status": "excused"},
        )
    )

    # Billing: a pack for each child; Ola's is on credit (her balance goes below zero).
    piano = await add_service(
        gateway,
        owner,
        kind="pack",
        name="Piano x 8",
        price_minor=40_000,
        classes=8,
        period={"unit": "month", "count": 1},
    )
    packs = [
        await sell(
            gateway,
            owner,
            kids[0]["id"],
            service_id=piano["id"],
            payment_mode="paid",
            method="cash",
        ),
        await sell(gateway, owner, kids[1]["id"], service_id=piano["id"], payment_mode="credit"),
    ]

    # Sign-up: the address proven by a code, then linked by clients, then signed in.
    assert (
        await gateway.post(
            "/auth/portal/codes", json={"organisation_id": org, "login": phone, "purpose": "signup"}
        )
    ).status_code == 202
    code = await code_inbox.code_for(login)
    signup = {
        "organisation_id": org,
        "login": phone,
        "code": code,
        "first_name": "Anna",
        "last_name": "Nowak",
        "password": PASSWORD,
    }
    await ok(gateway.post("/auth/portal/signup", json=signup), 202)

    async def signed_in() -> dict[str, Any] | None:
        answer = await gateway.post(
            "/auth/portal/token",
            json={"organisation_id": org, "login": phone, "password": PASSWORD},
        )
        return answer.json() if answer.status_code == 200 else None

    tokens = await poll_until(signed_in, within=WITHIN, what="the account to be linked")
    me_headers = bearer(tokens)

    # Realms never mix: a portal token on a staff route and a staff token on a portal route.
    assert (await gateway.get(CLIENTS, headers=me_headers)).status_code == 401
    assert (await gateway.get(f"{P}/overview", headers=owner)).status_code == 401

    async def family_seen() -> dict[str, Any] | None:
        me = (await gateway.get(f"{P}/me", headers=me_headers)).json()
        return me if len(me.get("clients", [])) == 3 else None

    me = await poll_until(family_seen, within=WITHIN, what="the family in the switcher")
    assert me["linked_client_id"] == parent["id"]

    async def overview_of(kid: dict[str, Any], ready: Any) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            seen = await gateway.get(
                f"{P}/overview", headers=me_headers, params={"client_id": kid["id"]}
            )
            assert seen.status_code == 200, seen.text
            body: dict[str, Any] = seen.json()
            return body if ready(body) else None

        return await poll_until(probe, within=WITHIN, what=f"{kid['first_name']}'s overview")

    jan = await overview_of(
        kids[0], lambda b: b["packs"] and b["next_lessons"] and b["makeup_credits"]
    )
    assert [p["pack_id"] for p in jan["packs"]] == [packs[0]["id"]]
    assert jan["packs"][0]["classes_left"] == 8
    assert jan["next_lessons"][0]["lesson_id"] == nexts[0]["id"]
    assert [c["mark_id"] for c in jan["makeup_credits"]] == [excused["id"]]
    ola = await overview_of(kids[1], lambda b: b["packs"] and b["balance"] and b["next_lessons"])
    assert [p["pack_id"] for p in ola["packs"]] == [packs[1]["id"]]
    assert ola["balance"]["amount_minor"] == -40_000
    # Someone else's child is 404.
    stranger = await create_client(gateway, owner, "Piotr", "+48 613 000 003")
    assert (
        await gateway.get(f"{P}/overview", headers=me_headers, params={"client_id": stranger["id"]})
    ).status_code == 404

    # A payment staff record for Ola shows in the portal.
    paid = owner | {"Idempotency-Key": uuid.uuid4().hex}
    await ok(
        gateway.post(
            f"{BI}/clients/{kids[1]['id']}/payments",
            headers=paid,
            json={"amount_minor": 15_000, "method": "card"},
        ),
        201,
    )

    async def payment_seen() -> bool | None:
        seen = await gateway.get(
            f"{P}/payments", headers=me_headers, params={"client_id": kids[1]["id"]}
        )
        return True if [p["amount_minor"] for p in seen.json()["items"]] == [15_000] else None

    await poll_until(payment_seen, within=WITHIN, what="the payment in the portal")
    ola = await overview_of(kids[1], lambda b: b["balance"]["amount_minor"] == -25_000)

    # A make-up into Piano 2's free seat: pending, then booked, and in Piano 2's journal.
    seats = await ok(
        gateway.get(
            f"{P}/makeups/{excused['id']}/seats",
            headers=me_headers,
            params={"client_id": kids[0]["id"]},
        )
    )
    assert [s["lesson_id"] for s in seats["items"]] == [seat["id"]]
    assert seats["next_cursor"] is None
    booking = me_headers | {"Idempotency-Key": uuid.uuid4().hex}
    request = await ok(
        gateway.post(
            f"{P}/makeups",
            headers=booking,
            params={"client_id": kids[0]["id"]},
            json={"mark_id": excused["id"], "lesson_id": seat["id"]},
        ),
        202,
    )
    assert request["status"] == "pending"

    async def booked() -> bool | None:
        listed = await gateway.get(
            f"{P}/makeups", headers=me_headers, params={"client_id": kids[0]["id"]}
        )
        states = {r["request_id"]: r["status"] for r in listed.json()["requests"]}
        assert states[request["request_id"]] in ("pending", "booked"), states
        return True if states[request["request_id"]] == "booked" else None

    await poll_until(booked, within=WITHIN, what="the journal to book the make-up")
    marks = await ok(gateway.get(f"{J}/lessons/{seat['id']}/marks", headers=owner))
    assert [(m["client_id"], m["status"], m["makeup_of"]) for m in marks["items"]] == [
        (kids[0]["id"], "planned", excused["id"])
    ]

    # A personal link: one overview without signing in, 404 the moment staff revoke it.
    link = await ok(gateway.post(f"{CLIENTS}/{kids[0]['id']}/link", headers=owner), 201)
    shown = await ok(gateway.get(f"{P}/links/{link['token']}/overview"))
    assert shown["client"]["client_id"] == kids[0]["id"]
    await ok(gateway.delete(f"{CLIENTS}/{kids[0]['id']}/link", headers=owner), 204)
    assert (await gateway.get(f"{P}/links/{link['token']}/overview")).status_code == 404

    # Billing and the journal stop: the overview answers with the last known state.
    stopped = [system.services["billing"], system.services["journal"]]
    before = await ok(
        gateway.get(f"{P}/overview", headers=me_headers, params={"client_id": kids[1]["id"]})
    )
    for process in stopped:
        process.stop()
    try:
        assert (await gateway.get(f"{BI}/payments", headers=owner)).status_code == 503
        during = await ok(
            gateway.get(f"{P}/overview", headers=me_headers, params={"client_id": kids[1]["id"]})
        )
        assert during == before
        assert during["as_of"]["billing"] is not None
    finally:
        for process in stopped:
            process.start()
        await wait_ready(stopped, within=WITHIN * 2)
