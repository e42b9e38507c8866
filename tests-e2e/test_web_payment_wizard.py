"""The payment wizard in Debian's Chromium through the gateway: one payment for a pack and an
invoice with the amount split between them and the rest left as an advance, a share total
above the amount refused in the page's language without JavaScript, a double submit paying
once, and a pack's invoice preselected from its own page."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
from playwright.async_api import Browser, Page, expect

from crm_devrun.system import System

from .browser import (
    DESKTOP,
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


async def owing_client(gateway: httpx.AsyncClient) -> tuple[Api, str, dict[str, Any]]:
    """A client with two packs sold on credit (400 and 250) and an invoice of 150."""
    api, _signed_up, email = await school(gateway, f"Wizard school {uuid.uuid4().hex[:4]}")
    scene: dict[str, Any] = {}
    for name, price in (("Piano x 8", 40000), ("Guitar x 4", 25000)):
        await api.post(
            f"{BI}/catalogue",
            {
                "kind": "pack",
                "name": name,
                "price_minor": price,
                "classes": 8,
                "period": {"unit": "month", "count": 1},
            },
        )
    ada = await api.post(
        f"{CL}/clients", {"first_name": "Ada", "last_name": "Wolska", "phone": "+48601300500"}
    )
    scene["client"] = ada["id"]
    today = school_today()
    for service in (await api.call("GET", f"{BI}/catalogue"))["items"]:
        sold = await api.post(
            f"{BI}/clients/{ada['id']}/packs",
            {"service_id": service["id"], "payment_mode": "credit", "starts_on": str(today)},
            **{"Idempotency-Key": uuid.uuid4().hex},
        )
        scene[service["name"]] = sold["id"]
    invoice = await api.post(
        f"{BI}/clients/{ada['id']}/invoices",
        {"amount_minor": 15000, "due_on": str(today), "description": "December lessons"},
    )
    scene["invoice"] = invoice["id"]
    return api, email, scene


async def double_submit(page: Page, form_action: str) -> list[int]:
    """Sends the form exactly as rendered twice (a double click, a retried request), every
    ticked box included."""
    fields: list[list[str]] = await page.evaluate(
        """(action) => [...new FormData(document.querySelector(`form[action="${action}"]`))]""",
        form_action,
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    statuses = []
    for _ in range(2):
        response = await page.request.post(
            form_action,
            data=urlencode([(k, v) for k, v in fields]),
            headers=headers,
            max_redirects=0,
        )
        statuses.append(response.status)
    return statuses


async def payments(api: Api, client_id: str) -> list[dict[str, Any]]:
    ledger = (await api.call("GET", f"{BI}/clients/{client_id}/ledger"))["items"]
    return [e for e in ledger if e["kind"] == "payment"]


async def invoice_statuses(api: Api, client_id: str) -> dict[str, str]:
    """Each invoice's status, by its pack's id (or "by hand")."""
    listed = (await api.call("GET", f"{BI}/clients/{client_id}/invoices"))["items"]
    return {i["pack_id"] or "by hand": i["status"] for i in listed}


async def test_a_share_total_above_the_amount_is_refused_without_javascript(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, email, scene = await owing_client(gateway)
    ada, piano, invoice = scene["client"], scene["Piano x 8"], scene["invoice"]
    context = await browser.new_context(
        base_url=system.gateway_url,
        locale="en-GB",
        viewport=DESKTOP,  # type: ignore[arg-type]
        java_script_enabled=False,
    )
    context.set_default_timeout(20_000)
    page = await context.new_page()
    await sign_in(page, email)
    await page.goto("/app/clients")
    await page.locator("footer button[value=pl]").click()
    await page.goto(f"/app/clients/{ada}/payment")
    # Two packs that owe and the invoice; each share prefilled with what it owes.
    await expect(page.locator("#pays-for tbody tr")).to_have_count(3)
    await expect(page.locator(f"#part-pack-{piano}")).to_have_value("400,00")
    await expect(page.locator(f"#part-invoice-{invoice}")).to_have_value("150,00")
    await expect(page.locator("#amount")).to_have_value("")
    await page.locator(f"#tick-pack-{piano}").check()
    await page.locator(f"#tick-invoice-{invoice}").check()
    await page.locator("#amount").fill("500")
    await page.locator("#payment-form button[type=submit]").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("Kwota: ")  # the field, in Polish
    await expect(alert).to_contain_text("500,00")
    await expect(alert).to_contain_text("550,00")
    await expect(page.locator("#amount")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator(f"#tick-pack-{piano}")).to_be_checked()  # the form as it was
    await expect(page.locator(f"#tick-invoice-{invoice}")).to_be_checked()
    assert "\u27e6" not in await page.content()  # every text translated
    await screenshot(page, "payment-wizard-refused-pl")
    assert await payments(api, ada) == []  # nothing recorded

    # Without JavaScript an empty amount is the ticked shares' total.
    await page.locator(f"#part-invoice-{invoice}").fill("100")
    await page.locator("#amount").fill("")
    await page.locator("#payment-form button[type=submit]").click()
    await page.wait_for_url(f"**/app/clients/{ada}?done=paid")
    [paid] = await payments(api, ada)
    assert paid["amount_minor"] == 50000
    assert sorted((a["target"], a["amount_minor"]) for a in paid["allocations"]) == [
        ("invoice", 10000),
        ("pack", 40000),
    ]


async def test_one_payment_pays_a_pack_and_an_invoice_and_leaves_an_advance(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, email, scene = await owing_client(gateway)
    ada, piano, guitar, invoice = (
        scene["client"],
        scene["Piano x 8"],
        scene["Guitar x 4"],
        scene["invoice"],
    )
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto(f"/app/clients/{ada}")
    await expect(page.locator("#balance")).to_have_text("-PLN650.00")
    await page.get_by_role("main").get_by_role("link", name="Record a payment").click()
    amount = page.get_by_label("Amount (PLN)")
    await expect(amount).to_have_value("")
    # htmx brings the ticked shares' total into the amount as ticks change.
    await page.get_by_label("Pack: Piano x 8").check()
    await expect(amount).to_have_value("400.00")
    await page.get_by_label("Invoice: December lessons").check()
    await expect(amount).to_have_value("550.00")
    await page.get_by_label("Pack: Guitar x 4").check()
    await expect(amount).to_have_value("800.00")
    await page.get_by_label("Pack: Guitar x 4").uncheck()
    await expect(amount).to_have_value("550.00")
    await amount.fill("600")  # 50 more than shared out: an advance
    await expect(page.locator("#advance-hint")).to_contain_text("as an advance")
    assert await accessibility_problems(page) == []
    await screenshot(page, "payment-wizard")

    # Sent twice as rendered (a double click): one payment.
    assert await double_submit(page, f"/app/clients/{ada}/payment") == [303, 303]
    [paid] = await payments(api, ada)
    assert paid["amount_minor"] == 60000
    assert sorted(
        (a["target"], a["target_id"], a["amount_minor"]) for a in paid["allocations"]
    ) == (sorted([("pack", piano, 40000), ("invoice", invoice, 15000)]))
    await page.goto(f"/app/clients/{ada}?done=paid")
    await expect(page.locator("#ledger tbody tr", has_text="payment")).to_have_count(1)
    # Charged 650, paid 600: Guitar's 250 owed less the 50 advance.
    await expect(page.locator("#balance")).to_have_text("-PLN50.00")
    statuses = await invoice_statuses(api, ada)
    assert statuses == {piano: "paid", "by hand": "paid", guitar: "open"}
    pack = await api.call("GET", f"{BI}/clients/{ada}/packs/{piano}")
    assert pack["pack"]["paid_minor"] == 40000

    # Only Guitar still owes; from its invoice's page the wizard ticks that invoice.
    await page.get_by_role("main").get_by_role("link", name="Record a payment").click()
    await expect(page.locator("#pays-for tbody tr")).to_have_count(1)
    await expect(page.locator("#pays-for")).to_contain_text("Pack: Guitar x 4")
    guitar_invoice = next(
        i
        for i in (await api.call("GET", f"{BI}/clients/{ada}/invoices"))["items"]
        if i["pack_id"] == guitar
    )
    await page.goto(f"/app/clients/{ada}/invoices/{guitar_invoice['id']}")
    await page.get_by_role("link", name="Record a payment").click()
    await expect(page.locator(f"#tick-invoice-{guitar_invoice['id']}")).to_be_checked()
    await expect(amount).to_have_value("250.00")
    await page.get_by_role("button", name="Record the payment").click()
    await expect(page.locator("#balance")).to_have_text("PLN200.00")
    assert (await invoice_statuses(api, ada))[guitar] == "paid"
    assert page.errors == []  # type: ignore[attr-defined]
