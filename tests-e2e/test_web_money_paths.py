"""Money paths of the staff pages no other browser test walked, in Debian's Chromium through
the gateway: an invoice voided (and a void refused when the invoice changed meanwhile), a
sold pack's validity edited and its new end seen on the pack's page and the pack report, and
a pack sold for a chosen group, tied to it as billing's API shows."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from babel.dates import format_date
from playwright.async_api import Browser, Page, expect

from crm_devrun.processes import poll_until
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
J = "/api/v1/journal"


def status(page: Page) -> Any:
    return page.get_by_role("main").get_by_role("status")


def shown(start: date, end: date) -> str:
    """A validity as the pages write it in English."""
    return " \u2013 ".join(str(format_date(d, "medium", locale="en")) for d in (start, end))


async def a_client(gateway: httpx.AsyncClient, name: str) -> tuple[Api, dict[str, Any], str, str]:
    """A school with a pack service, its owner's sign-up and email, and one client."""
    api, signed_up, email = await school(gateway, f"{name} {uuid.uuid4().hex[:4]}")
    await api.post(
        f"{BI}/catalogue",
        {
            "kind": "pack",
            "name": "Piano x 8",
            "price_minor": 40000,
            "classes": 8,
            "period": {"unit": "month", "count": 1},
        },
    )
    ada = await api.post(
        f"{CL}/clients", {"first_name": "Ada", "last_name": "Lis", "phone": "+48601300700"}
    )
    return api, signed_up, email, ada["id"]


async def test_an_invoice_voided_from_its_page(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, _signed_up, email, ada = await a_client(gateway, "Void school")
    today = school_today()
    invoices = [
        await api.post(
            f"{BI}/clients/{ada}/invoices",
            {"amount_minor": 15000, "due_on": str(today), "description": description},
        )
        for description in ("December lessons", "January lessons")
    ]
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto(f"/app/clients/{ada}/invoices/{invoices[0]['id']}")
    await expect(page.locator("#invoice-status")).to_have_text("open")
    confirm = page.get_by_role("button", name="Yes, void the invoice")
    await expect(confirm).to_be_hidden()  # one click alone voids nothing
    await page.locator("summary", has_text="Void the invoice").click()
    await screenshot(page, "money-invoice-void-confirm")
    await confirm.click()
    await expect(status(page)).to_have_text("The invoice is void.")
    await expect(page.locator("#invoice-status")).to_have_text("void")
    await expect(page.locator("summary", has_text="Void the invoice")).to_have_count(0)
    await expect(page.get_by_role("link", name="Record a payment")).to_have_count(0)
    listed = (await api.call("GET", f"{BI}/clients/{ada}/invoices"))["items"]
    assert {i["description"]: i["status"] for i in listed} == {
        "December lessons": "void",
        "January lessons": "open",
    }
    await screenshot(page, "money-invoice-void")
    await page.goto("/app/invoices?status=void")
    await expect(page.locator("#invoices tbody tr")).to_have_count(1)
    await expect(page.locator("#invoices tbody tr")).to_contain_text("December lessons")
    # A void invoice is nothing the payment wizard offers to pay.
    await page.goto(f"/app/clients/{ada}/payment")
    await expect(page.locator("#pays-for tbody tr")).to_have_count(1)
    await expect(page.locator("#pays-for")).to_contain_text("January lessons")

    # Paid in part meanwhile: the page's version is stale and the void is refused.
    await page.goto(f"/app/clients/{ada}/invoices/{invoices[1]['id']}")
    await api.post(
        f"{BI}/clients/{ada}/payments",
        {
            "amount_minor": 5000,
            "method": "cash",
            "allocations": [{"invoice_id": invoices[1]["id"], "amount_minor": 5000}],
        },
        **{"Idempotency-Key": uuid.uuid4().hex},
    )
    await page.locator("summary", has_text="Void the invoice").click()
    await page.get_by_role("button", name="Yes, void the invoice").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "The invoice changed since the page was opened. Look again and retry."
    )
    after = await api.call("GET", f"{BI}/clients/{ada}/invoices/{invoices[1]['id']}")
    assert (after["status"], after["paid_minor"]) == ("open", 5000)
    assert page.errors == []  # type: ignore[attr-defined]


async def test_a_packs_validity_edited_shows_its_new_end(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, _signed_up, email, ada = await a_client(gateway, "Validity school")
    today = school_today()
    service = (await api.call("GET", f"{BI}/catalogue"))["items"][0]
    pack = await api.post(
        f"{BI}/clients/{ada}/packs",
        {"service_id": service["id"], "payment_mode": "none", "starts_on": str(today)},
        **{"Idempotency-Key": uuid.uuid4().hex},
    )
    old_end = date.fromisoformat(pack["ends_on"])
    new_end = old_end + timedelta(days=14)  # two weeks of illness
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto(f"/app/clients/{ada}/packs/{pack['id']}")
    await expect(page.locator("#validity")).to_have_text(shown(today, old_end))
    await page.locator("summary", has_text="Edit validity").click()
    await page.get_by_label("Valid until").fill(str(new_end))
    await page.get_by_label("Reason", exact=True).first.fill("illness")
    await page.get_by_role("button", name="Save the validity").click()
    await expect(status(page)).to_have_text("The validity is changed.")
    await expect(page.locator("#validity")).to_have_text(shown(today, new_end))
    edited = (await api.call("GET", f"{BI}/clients/{ada}/packs/{pack['id']}"))["pack"]
    assert edited["ends_on"] == str(new_end)
    assert edited["version"] == pack["version"] + 1
    await screenshot(page, "money-pack-validity")

    await page.goto("/app/packs")
    row = page.locator("#pack-report tbody tr", has_text="Piano x 8")
    await expect(row).to_contain_text(shown(today, new_end))

    # A form rendered before another change is refused, and the end stays.
    await page.goto(f"/app/clients/{ada}/packs/{pack['id']}")
    await api.call(
        "PATCH",
        f"{BI}/clients/{ada}/packs/{pack['id']}",
        {"ends_on": str(new_end + timedelta(days=1))},
        **{"If-Match": f'"{edited["version"]}"'},
    )
    await page.locator("summary", has_text="Edit validity").click()
    await page.get_by_label("Valid until").fill(str(old_end))
    await page.get_by_role("button", name="Save the validity").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "The pack changed since the page was opened. Look again and retry."
    )
    again = (await api.call("GET", f"{BI}/clients/{ada}/packs/{pack['id']}"))["pack"]
    assert again["ends_on"] == str(new_end + timedelta(days=1))
    assert page.errors == []  # type: ignore[attr-defined]


async def billing_knows_group(api: Api, group_id: str) -> None:
    """A sale for a group billing has learnt from the journal's events: a probe service
    limited to the group is refused until then; archived at once."""

    async def probe() -> dict[str, Any] | None:
        response = await api.gateway.post(
            f"{BI}/catalogue",
            headers=api.headers,
            json={"kind": "one_time", "name": "Probe", "price_minor": 100, "group_ids": [group_id]},
        )
        return response.json() if response.status_code == 201 else None

    made = await poll_until(probe, within=60.0, what="billing to learn the group")
    await api.call(
        "PATCH", f"{BI}/catalogue/{made['id']}", {"archived": True}, **{"If-Match": '"1"'}
    )


async def test_a_pack_sold_for_a_chosen_group_is_tied_to_it(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, signed_up, email, ada = await a_client(gateway, "Group school")
    branch = signed_up["branch"]["id"]
    today = school_today()
    groups = {
        name: await api.post(
            f"{J}/groups", {"name": name, "branch_id": branch, "starts_on": str(today)}
        )
        for name in ("Piano mornings", "Piano evenings")
    }
    for group in groups.values():
        await billing_knows_group(api, group["id"])
    evenings = groups["Piano evenings"]["id"]
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto(f"/app/clients/{ada}")
    choice = page.get_by_label("Group", exact=True)
    await expect(choice.locator("option")).to_have_text(
        ["no group", "Piano mornings", "Piano evenings"]
    )
    await choice.select_option(label="Piano evenings")
    await page.get_by_label("Payment", exact=True).select_option("none")
    await page.get_by_role("button", name="Sell the pack").click()
    await expect(status(page)).to_have_text("The pack is sold.")
    (sold,) = (await api.call("GET", f"{BI}/clients/{ada}/packs"))["items"]
    assert sold["group_id"] == evenings

    # The pack's page names the group; "no group" sells one tied to none.
    await page.goto(f"/app/clients/{ada}/packs/{sold['id']}")
    await expect(page.locator("#pack-group")).to_have_text("Piano evenings")
    assert await accessibility_problems(page) == []
    await screenshot(page, "money-pack-group")
    await page.goto(f"/app/clients/{ada}")
    await page.get_by_label("Payment", exact=True).select_option("none")
    await page.get_by_role("button", name="Sell the pack").click()
    await expect(status(page)).to_have_text("The pack is sold.")
    packs = (await api.call("GET", f"{BI}/clients/{ada}/packs"))["items"]
    assert sorted(str(p["group_id"]) for p in packs) == sorted([evenings, "None"])
    assert page.errors == []  # type: ignore[attr-defined]
