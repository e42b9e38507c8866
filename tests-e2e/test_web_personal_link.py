"""A client's personal link handed out from the card in Debian's Chromium: staff issue it,
the page shows its full address once, the address opens the client's read-only page in a
browser that never signed in, a new link replaces the old one and a revoked one opens
nothing."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, Page, expect

from crm_devrun.system import System

from .browser import (
    accessibility_problems,
    browser,  # noqa: F401 - the fixture
    new_page,
    school,
    screenshot,
    sign_in,
)

CLIENTS = "/api/v1/clients/clients"


async def opened(browser: Browser, base_url: str, address: str) -> Page:  # noqa: F811
    """The address in a fresh browser: no cookies of staff or portal."""
    anonymous = await new_page(browser, base_url)
    await anonymous.goto(address)
    return anonymous


async def test_staff_hand_out_a_clients_personal_link_and_revoke_it(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, _signed_up, email = await school(gateway, "Link school")
    kid = await api.post(
        CLIENTS, {"first_name": "Ola", "last_name": "Link", "phone": "+48612000031"}
    )
    card = f"/app/clients/{kid['id']}"
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto(card)
    section = page.get_by_role("region", name="Personal link")
    await expect(section).to_contain_text("No link issued.")
    await expect(section.get_by_role("button", name="Revoke the link")).to_have_count(0)

    await section.get_by_role("button", name="Issue a link").click()
    shown = section.get_by_label("The new link: copy it now, it is shown only once.")
    await expect(shown).to_be_focused()
    address = await shown.input_value()
    assert address.startswith(f"{system.gateway_url}/my/link/")
    selected = await shown.evaluate("field => [field.selectionStart, field.selectionEnd]")
    assert selected == [0, len(address)]  # focused and selected: ready to copy
    await expect(section).to_contain_text("Active since")
    await expect(section.get_by_role("button", name="Revoke the link")).to_be_visible()
    assert await accessibility_problems(page) == []
    assert page.errors == []  # type: ignore[attr-defined]
    await screenshot(page, "client-link-shown-en")
    await page.reload()  # shown once: the token is not kept anywhere to show again
    await expect(section.get_by_role("textbox")).to_have_count(0)
    await expect(section).to_contain_text("Active since")

    anonymous = await opened(browser, system.gateway_url, address)
    await expect(anonymous.get_by_role("heading", level=1)).to_have_text("Ola Link")
    await expect(anonymous.get_by_text("A read-only view through a personal link.")).to_be_visible()

    # In Polish, a new link replaces the old one.
    await page.get_by_role("button", name="Polski").click()
    section = page.get_by_role("region", name="Link osobisty")
    await section.get_by_role("button", name="Wydaj nowy link").click()
    replaced = await section.get_by_role("textbox").input_value()
    assert replaced.startswith(f"{system.gateway_url}/my/link/")
    assert replaced != address
    await expect(section).to_contain_text("Aktywny od")
    await screenshot(page, "client-link-shown-pl")
    old = await anonymous.goto(address)
    assert old is not None
    assert old.status == 404
    newer = await opened(browser, system.gateway_url, replaced)
    await expect(newer.get_by_role("heading", level=1)).to_have_text("Ola Link")

    await section.get_by_role("button", name="Unieważnij link").click()
    await expect(section.get_by_role("status")).to_contain_text("Link jest unieważniony")
    await expect(section).to_contain_text("Link nie został wydany.")
    await expect(section.get_by_role("button", name="Unieważnij link")).to_have_count(0)
    gone = await newer.goto(replaced)
    assert gone is not None
    assert gone.status == 404
