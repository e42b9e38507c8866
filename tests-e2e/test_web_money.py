"""Money pages in Debian's Chromium through the gateway: a pack's life by clicking (extend,
bonus, transfer, freeze and unfreeze, restore, refund) with classes left and the balance
seen changing, a double-submitted form doing one thing, and the pack report."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from babel.dates import format_date
from playwright.async_api import Browser, Page, expect

from crm_devrun.system import System

from .browser import (
    Api,
    accessibility_problems,
    browser,  # noqa: F401 - the fixture
    new_page,
    school,
    school_today,
    screenshot,
    sign_in,
)

BI = "/api/v1/billing"
CL = "/api/v1/clients"


async def status_text(page: Page) -> str:
    return await page.get_by_role("main").get_by_role("status").inner_text()


async def open_action(page: Page, summary: str) -> None:
    await page.locator("summary", has_text=re.compile(f"^{summary}$")).click()


async def double_submit(page: Page, form_action: str) -> list[int]:
    """Sends the form exactly as rendered twice (a double click, a retried request)."""
    fields: dict[str, str] = await page.evaluate(
        """(action) => Object.fromEntries(new FormData(
            document.querySelector(`form[action="${action}"]`)))""",
        form_action,
    )
    statuses = []
    for _ in range(2):
        response = await page.request.post(form_action, form=fields, max_redirects=0)
        statuses.append(response.status)
    return statuses


async def a_pack_school(gateway: httpx.AsyncClient) -> tuple[Api, str, dict[str, Any]]:
    api, _signed_up, email = await school(gateway, f"Packs school {uuid.uuid4().hex[:4]}")
    await api.post(
        f"{BI}/catalogue",
        {
            "kind": "pack",
            "name": "Piano x 8",
            "price_minor": 40000,
            "classes": 8,
            "period": {"unit": "month", "count": 1},
            "leftover": "carry",
        },
    )
    return api, email, {}


async def test_a_packs_life_by_clicking(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, email, _ = await a_pack_school(gateway)
    ada = await api.post(
        f"{CL}/clients", {"first_name": "Ada", "last_name": "Nowak", "phone": "+48601300100"}
    )
    ewa = await api.post(
        f"{CL}/clients", {"first_name": "Ewa", "last_name": "Nowak", "phone": "+48601300101"}
    )
    today = school_today()
    service = (await api.call("GET", f"{BI}/catalogue"))["items"][0]
    old = await api.post(
        f"{BI}/clients/{ada['id']}/packs",
        {
            "service_id": service["id"],
            "payment_mode": "none",
            "starts_on": str(today - timedelta(days=70)),
        },
        **{"Idempotency-Key": uuid.uuid4().hex},
    )

    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto(f"/app/clients/{ada['id']}")
    await page.get_by_label("Payment", exact=True).select_option("credit")
    await page.get_by_role("button", name="Sell the pack").click()
    await expect(page.locator("#balance")).to_have_text("-PLN400.00")
    await page.locator("tr:not(.expired)", has_text="8 / 8").get_by_role("link").click()
    await expect(page.locator("#classes-left")).to_have_text("8")
    pack_url = page.url.split("?")[0]

    await open_action(page, "Extend")
    await page.get_by_role("button", name="Extend the pack").click()
    assert await status_text(page) == "The pack is extended."
    await expect(page.locator("#classes-left")).to_have_text("16")  # leftovers carry over

    await open_action(page, "Bonus classes")
    await page.get_by_label("Classes to add").fill("2")
    await page.get_by_role("button", name="Add the bonus classes").click()
    assert await status_text(page) == "Bonus classes are added."
    await expect(page.locator("#classes-left")).to_have_text("18")

    # The same bonus form sent twice adds its class once.
    path = pack_url.removeprefix(system.gateway_url)
    assert await double_submit(page, f"{path}/bonus") == [303, 303]
    await page.reload()
    await expect(page.locator("#classes-left")).to_have_text("19")

    await open_action(page, "Transfer classes")
    await page.get_by_label("To client").select_option(ewa["id"])
    await page.get_by_label("Classes to transfer").fill("3")
    await page.get_by_role("button", name="Transfer the classes").click()
    assert await status_text(page) == "The classes are transferred."
    await expect(page.locator("#classes-left")).to_have_text("16")
    received = (await api.call("GET", f"{BI}/clients/{ewa['id']}/packs"))["items"]
    assert [p["classes_left"] for p in received] == [3]

    ends_before = await page.locator("#validity").inner_text()
    await open_action(page, "Freeze")
    await page.get_by_label("Until", exact=True).fill(str(today + timedelta(days=6)))
    await page.get_by_role("button", name="Freeze the pack").click()
    assert await status_text(page) == "The pack is frozen."
    assert await page.locator("#validity").inner_text() != ends_before  # moved by 7 days
    await page.get_by_role("button", name="Unfreeze the pack").click()
    assert await status_text(page) == "The pack is unfrozen."

    await open_action(page, "Refund")
    await page.get_by_label("Amount (PLN)").fill("100")
    await page.get_by_role("button", name="Refund the pack").click()
    assert await status_text(page) == "The refund is recorded."
    await page.get_by_role("link", name="Ada Nowak").click()
    await expect(page.locator("#balance")).to_have_text("-PLN700.00")  # 2 x 400 owed, 100 back

    # An expired pack restored until a new date.
    await page.goto(f"/app/clients/{ada['id']}/packs/{old['id']}")
    await page.get_by_label("Valid until").fill(str(today + timedelta(days=30)))
    await page.get_by_role("button", name="Restore the pack").click()
    assert await status_text(page) == "The pack is restored."
    assert await page.locator("h1 .pill").inner_text() == "active"
    assert page.errors == []  # type: ignore[attr-defined]
    await screenshot(page, "money-pack")

    # The report: active packs (the restored one, Ewa's transferred classes); with a date
    # range the refunded pack too, struck through.
    await page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Packs").click()
    rows = page.locator("#pack-report tbody tr")
    await expect(rows).to_have_count(2)
    await page.get_by_label("From").fill(str(today - timedelta(days=100)))
    await page.get_by_label("To date").fill(str(today + timedelta(days=100)))
    await page.get_by_role("button", name="Show").click()
    await expect(rows).to_have_count(3)
    await expect(page.locator("#pack-report tr.expired s")).to_have_count(1)
    await page.get_by_label("Client", exact=True).select_option(ewa["id"])
    await page.get_by_role("button", name="Show").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Nowak Ewa")
    assert await accessibility_problems(page) == []
    await screenshot(page, "money-pack-report")


async def test_an_invoice_issued_paid_and_the_payment_cancelled(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, email, _ = await a_pack_school(gateway)
    ada = await api.post(
        f"{CL}/clients", {"first_name": "Ada", "last_name": "Lis", "phone": "+48601300300"}
    )
    today = school_today()
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto(f"/app/clients/{ada['id']}")
    await page.get_by_role("main").get_by_role("link", name="Issue an invoice").click()
    await page.get_by_label("Amount (PLN)").fill("150")
    await page.get_by_label("Due date").fill(str(today + timedelta(days=10)))
    await page.get_by_label("Description").fill("December lessons")
    # Sent twice as rendered (a double click): one invoice.
    assert await double_submit(page, "/app/invoices/new") == [303, 303]
    issued = (await api.call("GET", f"{BI}/clients/{ada['id']}/invoices"))["items"]
    assert [i["description"] for i in issued] == ["December lessons"]

    await (
        page.get_by_role("navigation", name="Main menu")
        .get_by_role("link", name="Invoices")
        .click()
    )
    row = page.locator("#invoices tbody tr", has_text="December lessons")
    await expect(row).to_contain_text("Lis Ada")
    await expect(row).to_contain_text("open")
    await page.get_by_label("Due from").fill(str(today + timedelta(days=11)))
    await page.get_by_role("button", name="Show").click()
    await expect(page.get_by_text("No invoices match.")).to_be_visible()
    await page.get_by_role("link", name="All invoices").click()
    await page.get_by_role("link", name="December lessons").click()
    await expect(page.locator("#invoice-status")).to_have_text("open")

    await page.get_by_role("link", name="Record a payment").click()
    await page.get_by_label("Amount (PLN)").fill("150")
    await page.get_by_role("button", name="Record the payment").click()
    assert await status_text(page) == "Payment recorded."
    await expect(page.locator("#balance")).to_have_text("PLN150.00")
    await page.goto("/app/invoices?status=paid")
    await expect(page.locator("#invoices tbody tr")).to_have_count(1)
    await screenshot(page, "money-invoices")

    await page.goto(f"/app/clients/{ada['id']}")
    await page.locator("#ledger").get_by_role("link", name=re.compile("^Cancel")).click()
    await expect(page.get_by_role("heading", name="Cancel the entry")).to_be_visible()
    await page.get_by_label("Reason").fill("recorded for the wrong client")
    await screenshot(page, "money-cancel")
    action = await page.locator("main form").get_attribute("action")
    assert action is not None
    # Sent twice as rendered: the second answer is the first one again, not a refusal.
    assert await double_submit(page, action) == [303, 303]
    await page.goto(f"/app/clients/{ada['id']}?done=cancelled")
    assert await status_text(page) == "The entry is cancelled."
    await expect(page.locator("#balance")).to_have_text("PLN0.00")
    await expect(page.locator("#ledger tr.cancelled")).to_have_count(1)
    await expect(page.locator("#ledger tbody tr")).to_have_count(2)  # one reversing entry
    reopened = (await api.call("GET", f"{BI}/clients/{ada['id']}/invoices"))["items"]
    assert [(i["status"], i["paid_minor"]) for i in reopened] == [("open", 0)]
    assert page.errors == []  # type: ignore[attr-defined]
    await screenshot(page, "money-card")


WORDS = {"en": "Clients", "ru": "Клиенты", "pl": "Klienci", "uk": "Клієнти"}


async def in_every_language(page: Page, paths: list[str]) -> None:
    """The system runs with WEB_MARK_UNTRANSLATED: a text missing from a catalogue would
    show as ⟦text⟧. Each language is chosen in the footer, as a person would."""
    for lang, word in WORDS.items():
        await page.goto("/app/clients")
        await page.locator(f"footer button[value={lang}]").click()
        for path in paths:
            response = await page.goto(path)
            assert response is not None
            assert response.status == 200, f"{lang} {path}"
            html = await page.content()
            assert "\u27e6" not in html, f"{lang} {path}: {re.findall(r'⟦[^⟧]*⟧', html)[:5]}"
            assert f'<html lang="{lang}">' in html, path
            assert word in html, f"{lang} {path}"
        await screenshot(page, f"money-{lang}")


async def test_money_pages_answer_in_every_language(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, email, _ = await a_pack_school(gateway)
    ola = await api.post(
        f"{CL}/clients", {"first_name": "Ola", "last_name": "Lis", "phone": "+48601300200"}
    )
    today = school_today()
    service = (await api.call("GET", f"{BI}/catalogue"))["items"][0]
    packs = []
    for starts_on in (today, today - timedelta(days=70)):
        packs.append(
            await api.post(
                f"{BI}/clients/{ola['id']}/packs",
                {
                    "service_id": service["id"],
                    "payment_mode": "credit",
                    "starts_on": str(starts_on),
                },
                **{"Idempotency-Key": uuid.uuid4().hex},
            )
        )
    pack_path = f"{BI}/clients/{ola['id']}/packs/{packs[0]['id']}"
    await api.post(
        f"{pack_path}/freeze",
        {"from_date": str(today), "until_date": str(today + timedelta(days=3))},
    )
    invoice = await api.post(
        f"{BI}/clients/{ola['id']}/invoices",
        {"amount_minor": 5000, "due_on": str(today), "description": "January"},
    )
    payment = await api.post(
        f"{BI}/clients/{ola['id']}/payments",
        {"amount_minor": 5000, "method": "cash"},
        **{"Idempotency-Key": uuid.uuid4().hex},
    )
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await in_every_language(
        page,
        [
            "/app/invoices",
            f"/app/invoices?status=overdue&due_from={today}",
            "/app/invoices/new",
            f"/app/invoices/new?client_id={ola['id']}",
            f"/app/clients/{ola['id']}/invoices/{invoice['id']}",
            f"/app/clients/{ola['id']}/payment?pays_for=invoice:{invoice['id']}",
            f"/app/clients/{ola['id']}/entries/{payment['id']}/cancel",
            "/app/clients/import",
            f"/app/clients/{ola['id']}",
            f"/app/clients/{ola['id']}/packs/{packs[0]['id']}",
            f"/app/clients/{ola['id']}/packs/{packs[1]['id']}",
            "/app/packs",
            f"/app/packs?from_date={today - timedelta(days=100)}&client_id={ola['id']}",
        ],
    )
    # A pack's invoice is named by the pack and its period, in the page's language.
    listed = (await api.call("GET", f"{BI}/clients/{ola['id']}/invoices"))["items"]
    sold = next(i for i in listed if i["pack_id"] == packs[0]["id"])
    assert (sold["period_from"], sold["period_until"]) == (str(today), packs[0]["ends_on"])
    for lang in ("pl", "ru"):
        await page.locator(f"footer button[value={lang}]").click()
        await page.goto(f"/app/invoices?client_id={ola['id']}")
        period = " \u2013 ".join(
            format_date(date.fromisoformat(d), "medium", locale=lang)
            for d in (str(today), packs[0]["ends_on"])
        )
        label = f"{service['name']}: {period}"
        table = page.locator("#invoices")
        await expect(table.get_by_role("link", name=label, exact=True)).to_have_count(1)
        await expect(table.get_by_role("link", name="January", exact=True)).to_have_count(1)
        assert " to " not in await table.inner_text()
        await page.goto(f"/app/clients/{ola['id']}/invoices/{sold['id']}")
        await expect(page.get_by_role("heading", level=1)).to_contain_text(label)
        await screenshot(page, f"money-invoice-{lang}")
    assert page.errors == []  # type: ignore[attr-defined]
