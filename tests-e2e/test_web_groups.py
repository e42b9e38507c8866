"""Groups in a real browser: one created with the form (its lessons follow its weekly day),
its details changed with the journal's version check, a refused change named, the group
archived and restored; the details page in Ukrainian."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Browser, expect

from crm_devrun.system import System

from .browser import (
    browser,  # noqa: F401 - the fixture
    main_menu,
    new_page,
    school,
    screenshot,
    sign_in,
)

J = "/api/v1/journal"


async def test_a_group_made_changed_archived_and_restored(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, _signed_up, email = await school(gateway, "Groups school")
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await main_menu(page, "Journal")

    form = page.locator("form[action='/app/groups']")
    await form.get_by_label("Name").fill("Guitar beginners")
    await form.get_by_label("Capacity").fill("8")
    await form.get_by_label("Weekly lesson: day").select_option(label="Tuesday")
    await form.get_by_label("Weekly lesson: time").fill("16:30")
    await form.get_by_role("button", name="Create the group").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Guitar beginners")
    await expect(page.locator("table.journal thead th.day").first).to_contain_text("Tue")
    found = await api.call("GET", f"{J}/groups")
    [made] = found["items"]
    assert (made["capacity"], made["schedule"][0]["weekday"]) == (8, 2)
    assert made["schedule"][0]["starts_at"].startswith("16:30")

    await page.get_by_role("link", name="Details").click()
    await page.get_by_label("Name").fill("Guitar, level 1")
    await page.get_by_label("Programme").fill("Guitar")
    await page.get_by_label("Capacity").fill("")
    await page.get_by_label("Youngest age").fill("8")
    await page.get_by_label("Oldest age").fill("12")
    await page.get_by_role("button", name="Save the group").click()
    await expect(page.locator("main p.notice")).to_have_text("Group saved.")
    group = await api.call("GET", f"{J}/groups/{made['id']}")
    assert (group["name"], group["programme"], group["capacity"]) == (
        "Guitar, level 1",
        "Guitar",
        None,
    )
    assert (group["age_min"], group["age_max"]) == (8, 12)

    # Ages the wrong way round: the journal names the field, what was typed stays.
    await page.get_by_label("Youngest age").fill("14")
    await page.get_by_role("button", name="Save the group").click()
    await expect(page.get_by_role("alert")).to_contain_text("age_max")
    await expect(page.get_by_label("Youngest age")).to_have_value("14")
    assert (await api.call("GET", f"{J}/groups/{made['id']}"))["age_min"] == 8

    # Someone else renames it meanwhile: the page's save is refused, not applied over it.
    await page.goto(f"/app/groups/{made['id']}/details")
    now = await api.call("GET", f"{J}/groups/{made['id']}")
    await api.call(
        "PATCH",
        f"{J}/groups/{made['id']}",
        {"name": "Guitar A"},
        **{"If-Match": f'"{now["version"]}"'},
    )
    await page.get_by_label("Capacity").fill("6")
    await page.get_by_role("button", name="Save the group").click()
    await expect(page.get_by_role("alert")).to_contain_text("Someone else changed this group")
    await expect(page.get_by_label("Name")).to_have_value("Guitar A")
    assert (await api.call("GET", f"{J}/groups/{made['id']}"))["capacity"] is None

    await page.get_by_role("button", name="Archive the group").click()
    await expect(page.locator("main p.notice").first).to_contain_text("archived")
    await main_menu(page, "Journal")
    await expect(page.get_by_role("link", name="Guitar A", exact=True)).to_have_count(0)
    await page.get_by_role("link", name="Archived groups").click()
    await page.get_by_role("link", name="Guitar A", exact=True).click()
    await page.get_by_role("link", name="Details").click()
    await page.get_by_role("button", name="Restore the group").click()
    await expect(page.locator("main p.notice")).to_have_text("The group is restored.")
    assert (await api.call("GET", f"{J}/groups/{made['id']}"))["archived"] is False

    await page.locator("footer button[value=uk]").click()
    await expect(page.locator("html")).to_have_attribute("lang", "uk")
    await expect(page.get_by_role("button", name="Зберегти групу")).to_be_visible()
    await expect(page.get_by_role("link", name=re.compile("Параметри"))).to_be_visible()
    assert "\u27e6" not in await page.content()
    await screenshot(page, "group-details-uk")
    assert page.errors == []  # type: ignore[attr-defined]
