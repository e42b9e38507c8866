"""The validity's unit agrees with the number typed before it, as the number changes: "1
miesiąc", "3 miesiące", "5 miesięcy" (htmx asks the server for the unit's words)."""

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


async def test_the_unit_follows_the_count_typed_in_polish(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    _api, _signed_up, email = await school(gateway, "Validity school")
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.locator("footer button[value=pl]").click()
    await page.goto("/app/catalogue")
    count = page.locator("#sv-period")
    unit = page.locator("#sv-period + select[name=period_unit]")
    await expect(unit.locator("option:checked")).to_have_text("miesiąc")  # the form's 1
    await unit.select_option("week")
    for typed, month, week in (("3", "miesiące", "tygodnie"), ("12", "miesięcy", "tygodni")):
        await count.fill(typed)
        await expect(unit.locator("option[value=month]")).to_have_text(month)
        await expect(unit.locator("option:checked")).to_have_text(week)
    await screenshot(page, "validity-unit-pl")
    assert page.errors == []  # type: ignore[attr-defined]
