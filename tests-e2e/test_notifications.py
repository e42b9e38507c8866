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
    token = token_in(invitation, "/app/accept-invite")
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
