"""The client card's "How to reach" in Debian's Chromium. Ida binds her Telegram chat the
real way (staff give her the link from her card; /start and her own contact go to the bot
through the gateway's webhook as Telegram would send them; the bot's answers go to the fake
Telegram API) and her browser registers for push from her portal session: her card says
since when she is bound, that one device gets push, and that every message goes by
Telegram, then push. Olek, with neither, shows "Not bound" and no devices. In English and
in Polish."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import date
from typing import Any

import httpx
from babel.dates import format_date
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from playwright.async_api import Browser, Locator, Page, expect

from crm_devrun.processes import poll_until
from crm_devrun.system import System

from .browser import (
    PASSWORD,
    WITHIN,
    accessibility_problems,
    browser,  # noqa: F401 - the fixture
    new_page,
    school,
    screenshot,
    sign_in,
)
from .fake_telegram import BOT_USERNAME, SECRET_HEADER, WEBHOOK_SECRET, FakeTelegram
from .test_portal import CodeInbox, code_inbox  # noqa: F401 - the fixture

CLIENTS = "/api/v1/clients/clients"
NO = "/api/v1/notifications"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_subscription() -> dict[str, Any]:
    """What a browser's PushManager hands over: its push service's endpoint and its keys."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return {
        "endpoint": f"http://127.0.0.1:9/push/{uuid.uuid4().hex}",
        "keys": {"p256dh": b64url(public), "auth": b64url(uuid.uuid4().bytes)},
    }


async def to_bot(gateway: httpx.AsyncClient, chat: int, **message: Any) -> None:
    update = {
        "update_id": uuid.uuid4().int % 10**9,
        "message": {"message_id": 1, "chat": {"id": chat, "type": "private"}, "from": {"id": chat}}
        | message,
    }
    answer = await gateway.post(
        f"{NO}/telegram/webhook", json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}
    )
    assert answer.status_code == 200, answer.text


async def bind_telegram(
    gateway: httpx.AsyncClient, telegram: FakeTelegram, link: str, phone: str
) -> None:
    prefix = f"https://t.me/{BOT_USERNAME}?start="
    assert link.startswith(prefix)
    chat = 7_000_000 + uuid.uuid4().int % 1_000_000
    await to_bot(gateway, chat, text=f"/start {link.removeprefix(prefix)}")
    await to_bot(gateway, chat, contact={"user_id": chat, "phone_number": phone})
    assert telegram.texts_to(chat)[-1].startswith("Connected: Ida Reach")


async def until_shown(page: Page, locator: Locator, what: str) -> None:
    """Notifications learns a new client and a binding from events: reload until it has."""

    async def probe() -> bool | None:
        await page.reload()
        return True if await locator.count() else None

    await poll_until(probe, within=WITHIN, what=what)


async def portal_session(
    gateway: httpx.AsyncClient, inbox: CodeInbox, org: str, phone: str
) -> dict[str, str]:
    """Ida's own portal account, signed up with a code sent to her phone."""
    codes = {"organisation_id": org, "login": phone, "purpose": "signup"}
    assert (await gateway.post("/auth/portal/codes", json=codes)).status_code == 202
    signup = {
        "organisation_id": org,
        "login": phone,
        "code": await inbox.code_for(phone),
        "first_name": "Ida",
        "last_name": "Reach",
        "password": PASSWORD,
    }
    assert (await gateway.post("/auth/portal/signup", json=signup)).status_code == 202

    async def linked() -> dict[str, str] | None:
        answer = await gateway.post(
            "/auth/portal/token",
            json={"organisation_id": org, "login": phone, "password": PASSWORD},
        )
        if answer.status_code != 200:
            return None
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    found: dict[str, str] = await poll_until(linked, within=WITHIN, what="Ida's account")
    return found


async def test_the_card_shows_how_to_reach_a_bound_client_and_one_without(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
    telegram: FakeTelegram,
    code_inbox: CodeInbox,  # noqa: F811
) -> None:
    api, signed_up, email = await school(gateway, "Reach school")
    owner = api.headers
    phone = f"+48613{uuid.uuid4().int % 1_000_000:06d}"
    ida = await api.post(CLIENTS, {"first_name": "Ida", "last_name": "Reach", "phone": phone})
    olek = await api.post(
        CLIENTS, {"first_name": "Olek", "last_name": "Reach", "phone": "+48613999001"}
    )
    mine = await portal_session(gateway, code_inbox, signed_up["organisation"]["id"], phone)
    device = {"kind": "webpush", "subscription": browser_subscription()}
    registered = await gateway.post("/portal/v1/devices", json=device, headers=mine)
    assert registered.status_code == 201, registered.text

    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto(f"/app/clients/{ida['id']}")
    section = page.get_by_role("region", name="How to reach")
    give = section.get_by_role("button", name="Give a Telegram link")
    await until_shown(page, give, "notifications to know Ida")
    await expect(section).to_contain_text("Not bound")
    await give.click()
    shown = section.get_by_label(re.compile("^The Telegram link: send it to the client."))
    await expect(shown).to_be_focused()
    await screenshot(page, "client-reach-link-en")
    await bind_telegram(gateway, telegram, await shown.input_value(), phone)
    await until_shown(
        page, section.get_by_text("Bound since"), "notifications to learn the binding"
    )
    reach = (await gateway.get(f"{NO}/clients/{ida['id']}/reach", headers=owner)).json()
    since = date.fromisoformat(reach["telegram"]["bound_since"][:10])
    await expect(section).to_contain_text(
        f"Bound since {format_date(since, 'medium', locale='en')}"
    )
    await expect(section).to_contain_text("1 device (browser: 1)")
    await expect(section).to_contain_text("Every message: Telegram, then push")
    await expect(section).to_contain_text("No confirmed address")
    assert await accessibility_problems(page) == []
    assert page.errors == []  # type: ignore[attr-defined]
    await screenshot(page, "client-reach-bound-en")

    await page.goto(f"/app/clients/{olek['id']}")
    await expect(section).to_contain_text("Not bound")
    await expect(section).to_contain_text("No devices")
    await expect(section.get_by_role("button", name="Give a Telegram link")).to_be_visible()
    await expect(section).to_contain_text("Every message: nowhere (no address to reach them)")
    await screenshot(page, "client-reach-none-en")

    await page.get_by_role("button", name="Polski").click()
    section = page.get_by_role("region", name="Jak się skontaktować")
    await expect(section).to_contain_text("Niepołączony")
    await expect(section).to_contain_text("Brak urządzeń")
    await page.goto(f"/app/clients/{ida['id']}")
    day = format_date(since, "medium", locale="pl")
    await expect(section).to_contain_text(f"Połączony od {day}")
    await expect(section).to_contain_text("1 urządzenie (przeglądarka: 1)")
    await expect(section).to_contain_text("Każda wiadomość: Telegram, potem push")
    await screenshot(page, "client-reach-bound-pl")
