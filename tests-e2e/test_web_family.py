"""A family made from the client's card in a real browser: a client already on the books
found and linked, a new relative added, the payer chosen, one taken out again; each step
checked in the clients API; another organisation's client is never found."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect

from crm_devrun.system import System

from .browser import (
    browser,  # noqa: F401 - the fixture
    new_page,
    school,
    screenshot,
    sign_in,
)

CL = "/api/v1/clients"


async def test_a_family_linked_paid_for_and_left_from_the_card(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, _signed_up, email = await school(gateway, "Family school")
    other, _o, _e = await school(gateway, "Other family school")
    await other.post(
        f"{CL}/clients", {"first_name": "Ewa", "last_name": "Kowalska", "phone": "+48601200590"}
    )
    mother = await api.post(
        f"{CL}/clients", {"first_name": "Ewa", "last_name": "Kowalska", "phone": "+48601200591"}
    )
    son = await api.post(
        f"{CL}/clients", {"first_name": "Olek", "last_name": "Kowalski", "phone": "+48601200592"}
    )

    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto(f"/app/clients/{son['id']}")
    await page.get_by_role("link", name="Manage the family").click()
    await page.get_by_label("Name or phone").fill("Kowalska")
    await page.get_by_role("button", name="Search").click()
    link = page.get_by_role("button", name="Link Ewa Kowalska")
    await expect(link).to_have_count(1)  # the other school's Ewa is not found
    await link.click()
    await expect(page.locator("main p.notice")).to_have_text("The relative is linked.")

    await page.get_by_label("First name").fill("Zosia")
    await page.get_by_role("button", name="Add to the family").click()
    await expect(page.locator("main p.notice")).to_have_text("The relative is linked.")
    family = await api.call("GET", f"{CL}/clients/{son['id']}/family")
    names = sorted((m["first_name"], m["last_name"]) for m in family["members"])
    assert names == [("Ewa", "Kowalska"), ("Olek", "Kowalski"), ("Zosia", "Kowalski")]

    await page.get_by_label("Ewa Kowalska pays").check()
    await page.get_by_role("button", name="Save the payer").click()
    await expect(page.locator("main p.notice")).to_have_text("The payer is saved.")
    family = await api.call("GET", f"{CL}/clients/{son['id']}/family")
    assert family["payer_client_id"] == mother["id"]
    await screenshot(page, "family")

    await page.goto(f"/app/clients/{mother['id']}/family")
    await page.get_by_role("button", name="Take Ewa out of the family").click()
    await expect(page.locator("main p.notice")).to_have_text("The client left the family.")
    family = await api.call("GET", f"{CL}/clients/{son['id']}/family")
    assert sorted(m["first_name"] for m in family["members"]) == ["Olek", "Zosia"]
    assert family["payer_client_id"] is None
    assert page.errors == []  # type: ignore[attr-defined]
