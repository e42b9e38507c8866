"""Letters the system sends by itself, caught by a real SMTP server (aiosmtpd): a client
confirms their address from the confirmation letter, a pack sold on credit due tomorrow is
reminded once with the right amount; an invited teacher sets a password through the
invitation's link and signs in."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import httpx

from crm_devrun.processes import poll_until

from .conftest import SmtpCatcher
from .test_access import bearer, sign_up
from .test_billing import add_service, billing_knows, key, school_today
from .test_clients import CLIENTS

WITHIN = 60.0
NO = "/api/v1/notifications"


def text_of(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


async def letter_to(smtp: SmtpCatcher, address: str, what: str) -> EmailMessage:
    async def probe() -> EmailMessage | None:
        found = smtp.to(address)
        return found[-1] if found else None

    return await poll_until(probe, within=WITHIN, what=what)


def token_in(mail: EmailMessage, path: str) -> str:
    found = re.search(re.escape(path) + r"\?token=([A-Za-z0-9_\-]+)", text_of(mail))
    assert found, text_of(mail)
    return found.group(1)


async def test_a_credit_sale_due_tomorrow_is_reminded_once_with_its_amount(
    gateway: httpx.AsyncClient, smtp: SmtpCatcher
) -> None:
    school = await sign_up(gateway, "Reminding school")
    owner = bearer(school["tokens"])
    address = f"payer-{uuid.uuid4().hex[:8]}@example.com"
    created = await gateway.post(
        CLIENTS,
        headers=owner,
        json={
            "first_name": "Marta",
            "last_name": "Nowak",
            "phone": "601 200 300",
            "email": address,
        },
    )
    assert created.status_code == 201, created.text
    client = created.json()
    confirmation = await letter_to(smtp, address, "the confirmation letter")
    token = token_in(confirmation, "/my/confirm-email")
    confirmed = await gateway.post("/api/v1/clients/email-confirmations", json={"token": token})
    assert confirmed.status_code == 204, confirmed.text

    await billing_knows(gateway, owner)
    violin = await add_service(
        gateway,
        owner,
        kind="pack",
        name="Violin x 4",
        price_minor=12_345,
        classes=4,
        period={"unit": "month", "count": 1},
    )
    sold = await gateway.post(
        f"/api/v1/billing/clients/{client['id']}/packs",
        headers=owner | key(),
        json={
            "service_id": violin["id"],
            "payment_mode": "credit",
            "due_on": str(school_today() + timedelta(days=1)),
        },
    )
    assert sold.status_code == 201, sold.text

    async def reminded() -> list[dict[str, Any]] | None:
        log = await gateway.get(
            f"{NO}/deliveries",
            headers=owner,
            params={"client_id": client["id"], "trigger": "payment_due_soon"},
        )
        assert log.status_code == 200, log.text
        items: list[dict[str, Any]] = log.json()["items"]
        return items if items and items[0]["status"] == "sent" else None

    (entry,) = await poll_until(reminded, within=WITHIN, what="the due reminder to be sent")
    letters = [m for m in smtp.to(address) if "123,45" in str(m["Subject"])]
    assert len(letters) == 1
    assert "123,45" in text_of(letters[0])
    assert letters[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert entry["channel"] == "email"


async def test_an_invited_teacher_accepts_through_the_letter_and_signs_in(
    gateway: httpx.AsyncClient, smtp: SmtpCatcher
) -> None:
    school = await sign_up(gateway, "Inviting school")
    owner = bearer(school["tokens"])
    address = f"teacher-{uuid.uuid4().hex[:8]}@example.com"
    invited = await gateway.post(
        "/api/v1/identity/staff",
        headers=owner,
        json={"email": address, "name": "Tomasz Teacher", "role": "teacher"},
    )
    assert invited.status_code == 201, invited.text
    invitation = await letter_to(smtp, address, "the invitation letter")
    token = token_in(invitation, "/app/invite")
    password = "a teacher's own long password"
    accepted = await gateway.post(
        "/auth/invites/accept", json={"token": token, "password": password}
    )
    assert accepted.status_code in (200, 204), accepted.text
    signed_in = await gateway.post("/auth/token", json={"email": address, "password": password})
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["access_token"]
    # the link works once
    again = await gateway.post("/auth/invites/accept", json={"token": token, "password": password})
    assert again.status_code >= 400


async def confirmed_client(
    gateway: httpx.AsyncClient, smtp: SmtpCatcher, owner: dict[str, str], name: str, phone: str
) -> tuple[dict[str, Any], str]:
    """A client whose address is confirmed through the confirmation letter."""
    address = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    created = await gateway.post(
        CLIENTS,
        headers=owner,
        json={"first_name": name, "last_name": "Nowak", "phone": phone, "email": address},
    )
    assert created.status_code == 201, created.text
    letter = await letter_to(smtp, address, f"{name}'s confirmation letter")
    token = token_in(letter, "/my/confirm-email")
    confirmed = await gateway.post("/api/v1/clients/email-confirmations", json={"token": token})
    assert confirmed.status_code == 204, confirmed.text
    client: dict[str, Any] = created.json()
    return client, address


async def test_a_broadcast_to_a_tag_reaches_exactly_the_tagged_not_opted_out_clients(
    gateway: httpx.AsyncClient, smtp: SmtpCatcher
) -> None:
    school = await sign_up(gateway, "Broadcasting school")
    owner = bearer(school["tokens"])
    anna, anna_mail = await confirmed_client(gateway, smtp, owner, "Anna", "601 300 401")
    olek, olek_mail = await confirmed_client(gateway, smtp, owner, "Olek", "601 300 402")
    ewa, ewa_mail = await confirmed_client(gateway, smtp, owner, "Ewa", "601 300 403")
    tag = await gateway.post("/api/v1/clients/tags", headers=owner, json={"name": "Choir"})
    assert tag.status_code == 201, tag.text
    for client in (anna, olek):
        tagged = await gateway.put(
            f"{CLIENTS}/{client['id']}/tags", headers=owner, json={"tag_ids": [tag.json()["id"]]}
        )
        assert tagged.status_code == 200, tagged.text
    audience = {"kind": "tag", "id": tag.json()["id"]}

    async def both_tagged_known() -> bool | None:
        counted = await gateway.post(f"{NO}/broadcasts/audience", headers=owner, json=audience)
        if counted.status_code == 404:
            return None
        assert counted.status_code == 200, counted.text
        return True if counted.json()["recipients"] == 2 else None

    await poll_until(both_tagged_known, within=WITHIN, what="notifications to learn the tags")
    opted = await gateway.put(
        f"{NO}/clients/{olek['id']}/opt-outs",
        headers=owner,
        json={"category": "news", "channel": "email", "opted_out": True},
    )
    assert opted.status_code == 200, opted.text
    sent = await gateway.post(
        f"{NO}/broadcasts",
        headers=owner,
        json={"audience": audience, "subject": "Choir concert", "body": "{{ first_name }}, sing!"},
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["recipients"] == 2

    async def done() -> dict[str, Any] | None:
        shown = await gateway.get(f"{NO}/broadcasts/{sent.json()['id']}", headers=owner)
        assert shown.status_code == 200, shown.text
        progress: dict[str, int] = shown.json()["progress"]
        return shown.json() if progress == {"sent": 1, "skipped": 1} else None

    await poll_until(done, within=WITHIN, what="the broadcast to be handed over")
    letters = [m for m in smtp.to(anna_mail) if str(m["Subject"]) == "Choir concert"]
    assert len(letters) == 1
    assert "Anna, sing!" in text_of(letters[0])
    assert [m for m in smtp.to(olek_mail) if str(m["Subject"]) == "Choir concert"] == []
    assert [m for m in smtp.to(ewa_mail) if str(m["Subject"]) == "Choir concert"] == []
    assert ewa["id"] != anna["id"]
