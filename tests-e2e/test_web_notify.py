"""The messages screens in Debian's Chromium through the gateway: a template edited with an
unknown variable is refused naming it (live, next to the field, and on saving), the preview
shows the example values; a broadcast to a tag shows its audience count before sending and
its letters reach the SMTP server; the delivery log lists them; every screen in en, ru, pl
and uk with no text left untranslated."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.async_api import Browser, Page, expect

from crm_devrun.processes import poll_until
from crm_devrun.system import System

from .browser import (
    WITHIN,
    Api,
    accessibility_problems,
    browser,  # noqa: F401 - the fixture
    main_menu,
    new_page,
    school,
    screenshot,
    sign_in,
)
from .conftest import SmtpCatcher
from .test_clients import CLIENTS
from .test_notifications import confirmed_client, text_of

NO = "/api/v1/notifications"


async def tagged_school(
    gateway: httpx.AsyncClient, smtp: SmtpCatcher
) -> tuple[Api, str, list[str]]:
    """A school whose two confirmed clients carry the tag "Choir" (and one does not)."""
    api, _, email = await school(gateway, "Messages school")
    owner = api.headers
    anna, anna_mail = await confirmed_client(gateway, smtp, owner, "Anna", "601 300 501")
    olek, olek_mail = await confirmed_client(gateway, smtp, owner, "Olek", "601 300 502")
    await confirmed_client(gateway, smtp, owner, "Ewa", "601 300 503")
    tag = await api.post("/api/v1/clients/tags", {"name": "Choir"})
    for client in (anna, olek):
        await api.call("PUT", f"{CLIENTS}/{client['id']}/tags", {"tag_ids": [tag["id"]]})
    audience = {"kind": "tag", "id": tag["id"]}

    async def both_known() -> bool | None:
        counted = await gateway.post(f"{NO}/broadcasts/audience", headers=owner, json=audience)
        return True if counted.status_code == 200 and counted.json()["recipients"] == 2 else None

    await poll_until(both_known, within=WITHIN, what="notifications to learn the tags")
    return api, email, [anna_mail, olek_mail]


async def edit_template(page: Page) -> None:
    await main_menu(page, "Messages")
    await expect(page.get_by_role("heading", name="Message templates")).to_be_visible()
    await page.get_by_label("Language").first.select_option("en")
    await page.get_by_role("button", name="Show").click()
    await page.get_by_role("link", name="Payment due soon").click()
    body = page.get_by_label("Text", exact=True)
    await body.fill("Hello {{ first_nme }}, please pay {{ amount }}.")
    await expect(page.locator("#body-error")).to_have_text("Unknown variable: first_nme")
    await screenshot(page, "notify-template-unknown-variable")
    await page.get_by_role("button", name="Save the template").click()
    await expect(page.locator("#body-error")).to_have_text("Unknown variable: first_nme")
    await body.fill("Hello {{ first_name }}, please pay {{ amount }} by {{ due_on }}.")
    await expect(page.locator("#body-error")).to_have_text("")
    await expect(page.locator("#preview")).to_contain_text("Hello Anna, please pay")
    await expect(page.locator("#preview")).to_contain_text("125.50")
    await screenshot(page, "notify-template-preview")
    await page.get_by_role("button", name="Save the template").click()
    await expect(page.get_by_role("status").first).to_contain_text("Template saved")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Payment due soon"))
    await expect(row.get_by_role("cell").last).to_have_text("1")


async def send_broadcast(page: Page, smtp: SmtpCatcher, addresses: list[str]) -> None:
    await page.get_by_role("link", name="Broadcasts").click()
    count = page.locator("#audience-count")
    await expect(count).to_have_text(re.compile(r"This broadcast will reach 3 clients\."))
    await page.get_by_label("To", exact=True).select_option(label="Choir")
    await expect(count).to_have_text("This broadcast will reach 2 clients.")
    await page.get_by_label("Subject").fill("Choir rehearsal moved")
    await page.get_by_label("Text", exact=True).fill("{{ first_name }}, rehearsal is at six.")
    await screenshot(page, "notify-broadcast-compose")
    await page.get_by_role("button", name="Send the broadcast").click()
    await expect(page.get_by_role("heading", name="Choir rehearsal moved")).to_be_visible()
    await expect(page.get_by_text("Done: every message has been handed over.")).to_be_visible(
        timeout=WITHIN * 1000
    )
    await expect(page.get_by_text("Sent to 2 clients.")).to_be_visible()
    await screenshot(page, "notify-broadcast-done")

    async def letters() -> list[Any] | None:
        found = [
            m for a in addresses for m in smtp.to(a) if str(m["Subject"]) == "Choir rehearsal moved"
        ]
        return found if len(found) == 2 else None

    arrived = await poll_until(letters, within=WITHIN, what="the broadcast's letters")
    assert sorted(text_of(m).split(",")[0] for m in arrived) == ["Anna", "Olek"]


async def read_the_log(page: Page) -> None:
    await page.get_by_role("link", name="Delivery log").click()
    await page.get_by_label("Message", exact=True).select_option(label="Broadcast")
    await page.get_by_role("button", name="Find").click()
    rows = page.get_by_role("table").get_by_role("row")
    await expect(rows).to_have_count(3)  # the header and the two letters
    names = sorted(await page.get_by_role("table").get_by_role("rowheader").all_inner_texts())
    assert names == ["Anna Nowak", "Olek Nowak"]
    await expect(page.get_by_role("table").get_by_text("✓ sent")).to_have_count(2)
    await screenshot(page, "notify-delivery-log")
    assert await accessibility_problems(page) == []


async def resend_a_failed_one(page: Page, api: Api) -> None:
    """A test letter to a mailbox the SMTP server refuses fails for good; resent from the
    log, it is tried once more (and refused again)."""
    address = "bounce-nobody@example.com"
    body = {"trigger": "client_welcome", "locale": "en", "email": address}
    sent = await api.post(f"{NO}/templates/test-send", body)
    message = f"{NO}/deliveries/{sent['message_id']}"

    async def failed() -> dict[str, Any] | None:
        found: dict[str, Any] = await api.call("GET", message)
        return found if found["status"] == "failed" else None

    await poll_until(failed, within=WITHIN, what="the refused letter to fail")
    await page.goto("/app/notifications/log?status=failed")
    row = page.get_by_role("row").filter(has_text=address)
    await row.get_by_role("button", name="Resend").click()
    await expect(page.get_by_role("status").first).to_have_text(
        "The message is queued to be sent again."
    )

    async def refused_again() -> list[str] | None:
        history = (await failed() or {}).get("history", [])
        steps = [step["status"] for step in history]
        return steps if steps.count("failed") == 2 else None

    steps = await poll_until(refused_again, within=WITHIN, what="the second attempt")
    assert steps == ["queued", "failed", "queued", "failed"]


async def test_templates_broadcasts_and_the_log_in_the_browser(
    system: System,
    gateway: httpx.AsyncClient,
    smtp: SmtpCatcher,
    browser: Browser,  # noqa: F811
) -> None:
    api, email, addresses = await tagged_school(gateway, smtp)
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await edit_template(page)
    await send_broadcast(page, smtp, addresses)
    broadcast_path = page.url.removeprefix(system.gateway_url)
    await read_the_log(page)
    await resend_a_failed_one(page, api)

    pages = [
        "/app/notifications/templates",
        "/app/notifications/templates/edit?trigger=waitlist_seat_offered&locale=uk",
        "/app/notifications/broadcasts",
        broadcast_path,
        "/app/notifications/log",
        "/app/notifications/log?status=sent&channel=email",
    ]
    words = {"ru": "Сообщения", "pl": "Wiadomości", "uk": "Повідомлення"}
    for lang, word in words.items():
        await page.goto("/app/notifications/templates")
        await page.locator(f"footer button[value={lang}]").click()
        for path in pages:
            response = await page.goto(path)
            assert response is not None
            assert response.status == 200, path
            await page.wait_for_load_state("networkidle")
            html = await page.content()
            assert "\u27e6" not in html, f"{lang} {path}: {re.findall(r'⟦[^⟧]*⟧', html)[:5]}"
            assert f'<html lang="{lang}">' in html, path
            assert word in html, f"{lang} {path}"
        await screenshot(page, f"notify-log-{lang}")
    assert page.errors == []  # type: ignore[attr-defined]
