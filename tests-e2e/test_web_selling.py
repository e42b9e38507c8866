"""The catalogue and selling in Debian's Chromium through the gateway: a freestyle,
overlapping service limited to one branch added, edited, archived and restored by clicking;
it sold paid, without payment, on credit with a due date, and as a shared pack with a family
member and a client found by name; each checked against billing's API. The catalogue and the
sell form in Polish with nothing left untranslated."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
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
ID = "/api/v1/identity"


def notice(page: Page) -> Any:
    return page.get_by_role("main").get_by_role("status")


async def billing_knows_client(api: Api, client_id: str) -> None:
    """A sale names clients billing learns from the clients service's events."""

    async def probe() -> bool | None:
        response = await api.gateway.get(f"{BI}/clients/{client_id}/balance", headers=api.headers)
        return True if response.status_code == 200 else None

    await poll_until(probe, within=60.0, what="billing to learn the client")


async def billing_knows_branch(api: Api, branch_id: str) -> None:
    """A service limited to a branch billing has learnt from identity's events: a probe
    service (Api.call waits out "no such branch"), archived at once."""
    probe = await api.post(
        f"{BI}/catalogue",
        {"kind": "one_time", "name": "Probe", "price_minor": 100, "branch_ids": [branch_id]},
    )
    await api.call(
        "PATCH", f"{BI}/catalogue/{probe['id']}", {"archived": True}, **{"If-Match": '"1"'}
    )


async def sell(page: Page) -> None:
    await page.get_by_role("button", name="Sell the pack").click()
    await expect(notice(page)).to_have_text("The pack is sold.")


async def test_a_freestyle_service_made_edited_archived_and_sold_every_way(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, _signed_up, email = await school(gateway, f"Selling school {uuid.uuid4().hex[:4]}")
    north = await api.post(f"{ID}/branches", {"name": "North"})
    people = {}
    for first, last, phone in (
        ("Ada", "Nowak", "+48601500100"),
        ("Ewa", "Nowak", "+48601500101"),
        ("Ola", "Lis", "+48601500102"),
    ):
        people[first] = await api.post(
            f"{CL}/clients", {"first_name": first, "last_name": last, "phone": phone}
        )
    await api.post(f"{CL}/clients/{people['Ada']['id']}/family", {"client_id": people["Ewa"]["id"]})
    await billing_knows_branch(api, north["id"])
    for person in people.values():
        await billing_knows_client(api, person["id"])
    today = school_today()

    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto("/app/catalogue")
    await page.get_by_label("Name", exact=True).fill("Dance free")
    await page.get_by_label("Price (PLN)").fill("300")
    await page.get_by_label("Classes (empty: unlimited)").fill("8")
    await page.get_by_label(re.compile(r"freestyle \(price")).check()
    await expect(page.get_by_label(re.compile(r"overlapping \(may"))).to_be_checked()
    await page.get_by_label("Only in the branches").select_option(label="North")
    await page.get_by_role("button", name="Add the service").click()
    await expect(notice(page)).to_have_text("The service is added.")
    row = page.locator("#services tbody tr", has_text="Dance free")
    await expect(row).to_contain_text("freestyle, leftovers burn, overlapping")
    await expect(row.locator("td").last).to_have_text("North")
    (made,) = (await api.call("GET", f"{BI}/catalogue"))["items"]
    assert (made["freestyle"], made["overlapping"], made["shared"]) == (True, True, False)
    assert made["branch_ids"] == [north["id"]]
    assert made["price_minor"] == 30000

    await row.get_by_role("link", name="Dance free").click()
    await expect(page.get_by_label("Price (PLN)")).to_have_value("300.00")
    await page.get_by_label("Name", exact=True).fill("Dance freestyle")
    await page.get_by_label(re.compile(r"shared \(a family")).check()
    await page.get_by_label("Leftover classes at the end").select_option("carry")
    await screenshot(page, "selling-service-edit")
    assert await accessibility_problems(page) == []
    await page.get_by_role("button", name="Save the service").click()
    await expect(notice(page)).to_have_text("The service is saved.")
    await expect(page.locator("#services tbody tr", has_text="Dance freestyle")).to_contain_text(
        "shared, freestyle, leftovers carry over, overlapping"
    )
    edited = await api.call("GET", f"{BI}/catalogue/{made['id']}")
    assert (edited["name"], edited["shared"], edited["leftover"]) == (
        "Dance freestyle",
        True,
        "carry",
    )
    assert (edited["price_minor"], edited["branch_ids"], edited["version"]) == (
        30000,
        [north["id"]],
        2,
    )

    await page.get_by_role("link", name="Dance freestyle").click()
    await page.get_by_role("button", name="Archive the service").click()
    await expect(notice(page)).to_have_text("The service is archived: it is no longer sold.")
    await expect(page.locator("#services")).to_have_count(0)
    assert (await api.call("GET", f"{BI}/catalogue/{made['id']}"))["archived"] is True
    await page.locator("summary", has_text="Archived services").click()
    await page.locator("#archived-services").get_by_role("link", name="Dance freestyle").click()
    await page.get_by_role("button", name="Restore the service").click()
    await expect(notice(page)).to_have_text("The service is restored: it is sold again.")
    assert (await api.call("GET", f"{BI}/catalogue/{made['id']}"))["archived"] is False
    await screenshot(page, "selling-catalogue")
    assert await accessibility_problems(page) == []

    # Paid, with the freestyle price and classes: the payment recorded, the balance stays 0.
    ola = people["Ola"]["id"]
    await page.goto(f"/app/clients/{ola}")
    await expect(page.locator("#s-due-on")).to_have_count(0)  # only on credit
    await page.get_by_label("Price (PLN)").fill("250")
    await page.get_by_label("Classes (empty: unlimited)").fill("10")
    await page.get_by_label("Method").select_option("card")
    await page.get_by_label("Paid on").fill(str(today - timedelta(days=1)))
    await page.get_by_label("Comment").fill("first month")
    await sell(page)
    await expect(page.locator("#balance")).to_have_text("PLN0.00")
    (paid,) = (await api.call("GET", f"{BI}/clients/{ola}/packs"))["items"]
    assert (paid["price_minor"], paid["classes_total"], paid["payment_mode"]) == (25000, 10, "paid")
    assert paid["leftover"] == "carry"
    ledger = (await api.call("GET", f"{BI}/clients/{ola}/ledger"))["items"]
    payments = [e for e in ledger if e["kind"] == "payment"]
    assert [(e["amount_minor"], e["method"], e["booked_on"]) for e in payments] == [
        (25000, "card", str(today - timedelta(days=1)))
    ]
    assert (await api.call("GET", f"{BI}/clients/{ola}/balance"))["balance_minor"] == 0

    # Without payment: no method, no due date; no money recorded.
    await page.get_by_label("Payment", exact=True).select_option("none")
    await expect(page.locator("#s-method")).to_have_count(0)
    await expect(page.locator("#s-due-on")).to_have_count(0)
    await sell(page)
    packs = (await api.call("GET", f"{BI}/clients/{ola}/packs"))["items"]
    assert sorted(p["payment_mode"] for p in packs) == ["none", "paid"]
    assert (await api.call("GET", f"{BI}/clients/{ola}/balance"))["balance_minor"] == 0

    # On credit with a due date: an invoice due that day, the client owes the price.
    due = today + timedelta(days=5)
    await page.get_by_label("Payment", exact=True).select_option("credit")
    await expect(page.locator("#s-method")).to_have_count(0)
    await page.get_by_label("Due date").fill(str(due))
    await screenshot(page, "selling-sell-credit")
    await sell(page)
    await expect(page.locator("#balance")).to_have_text("-PLN300.00")
    invoices = (await api.call("GET", f"{BI}/clients/{ola}/invoices"))["items"]
    assert [(i["amount_minor"], i["due_on"]) for i in invoices] == [(30000, str(due))]

    # Shared with the family member and a client found by name.
    ada = people["Ada"]["id"]
    await page.goto(f"/app/clients/{ada}")
    await page.get_by_label("Ewa Nowak").check()
    await page.get_by_label("Find a client to share with").fill("Lis")
    await page.get_by_label("Find a client to share with").press("Enter")
    await page.get_by_label("Ola Lis").check()
    await expect(page.get_by_label("Ewa Nowak")).to_be_checked()  # kept through the search
    assert (await api.call("GET", f"{BI}/clients/{ada}/packs"))["items"] == []  # not sold yet
    assert await accessibility_problems(page) == []
    await screenshot(page, "selling-sell-shared")
    await sell(page)
    (shared,) = (await api.call("GET", f"{BI}/clients/{ada}/packs"))["items"]
    assert sorted(shared["members"]) == sorted([ada, people["Ewa"]["id"], ola])
    assert (await api.call("GET", f"{BI}/clients/{ada}/balance"))["balance_minor"] == 0
    assert page.errors == []  # type: ignore[attr-defined]

    # In Polish: the catalogue, the service and the sell form for every payment, untranslated
    # text would show as ⟦text⟧.
    await page.locator("footer button[value=pl]").click()
    for path in (
        "/app/catalogue",
        f"/app/catalogue/{made['id']}",
        f"/app/clients/{ada}",
        f"/app/clients/{ola}/sell?payment_mode=credit",
        f"/app/clients/{ola}/sell?payment_mode=none",
    ):
        response = await page.goto(path)
        assert response is not None
        assert response.status == 200, path
        html = await page.content()
        assert '<html lang="pl">' in html
        assert "\u27e6" not in html, f"{path}: {re.findall(r'⟦[^⟧]*⟧', html)[:5]}"
    await page.goto("/app/catalogue")
    await expect(page.locator("#services tbody tr").first).to_contain_text("wspólny")
    await screenshot(page, "selling-catalogue-pl")
    await page.goto(f"/app/clients/{ada}/sell?payment_mode=credit")
    await screenshot(page, "selling-sell-pl")
