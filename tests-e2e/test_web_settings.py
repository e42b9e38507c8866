"""The organisation's rules that other services keep, set on the settings page in Debian's
Chromium through the gateway: make-ups (journal), absences and reminders (billing), the SMS
cap, the daily broadcast cap and the channel order (notifications); a refused value named next
to its field, in English and in Russian; what an admin may change."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.async_api import Browser, Page, expect

from crm_devrun.system import System

from .browser import (
    PASSWORD,
    accessibility_problems,
    browser,  # noqa: F401 - the fixture
    main_menu,
    new_page,
    school,
    screenshot,
    sign_in,
)

ID = "/api/v1/identity"
JOURNAL = "/api/v1/journal/settings"
BILLING = "/api/v1/billing/settings"
NOTIFY = "/api/v1/notifications/settings"


def notice(page: Page) -> Any:
    return page.get_by_role("main").get_by_role("status")


async def without_the_browsers_check(page: Page, action: str) -> None:
    """The form posts a value the input's own min/max would stop: the API is the judge."""
    await page.locator(f"form[action='{action}']").evaluate("form => form.noValidate = true")


async def test_the_owner_sets_each_services_rules_and_a_bad_value_is_refused_by_name(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, signed_up, email = await school(gateway, "Rules school")
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await main_menu(page, "Settings")

    await page.get_by_label("Days to make up an excused absence").fill("21")
    await page.get_by_role("button", name="Save the make-up rule").click()
    await expect(notice(page)).to_have_text("The make-up rule is saved.")
    assert (await api.call("GET", JOURNAL))["makeup_days"] == 21

    assert (await api.call("GET", BILLING))["absence_uses_class"] is False
    await page.get_by_label("An unexcused absence uses a class").check()
    await page.get_by_role("button", name="Save the absence rule").click()
    await expect(notice(page)).to_have_text("The absence rule is saved.")
    await page.get_by_label("Days ahead to remind").fill("7")
    await page.get_by_role("button", name="Save the reminder rule").click()
    await expect(notice(page)).to_have_text("The reminder rule is saved.")
    billing = await api.call("GET", BILLING)
    assert (billing["absence_uses_class"], billing["reminder_lead_days"]) == (True, 7)
    await expect(page.get_by_label("An unexcused absence uses a class")).to_be_checked()

    await page.get_by_label("SMS a month, at most").fill("120")
    await page.get_by_label("Broadcasts a day to one client, at most").fill("1")
    order = page.get_by_role("group", name="Channels for messages to clients, in order")
    for place, channel in (("First", "email"), ("Second", "sms"), ("Third", ""), ("Fourth", "")):
        await order.get_by_label(place, exact=True).select_option(channel)
    await page.get_by_role("button", name="Save the notification settings").click()
    await expect(notice(page)).to_have_text("The notification settings are saved.")
    notify = await api.call("GET", NOTIFY)
    assert (notify["sms_monthly_cap"], notify["daily_news_cap"]) == (120, 1)
    assert notify["channel_order"] == ["email", "sms"]
    await expect(order.get_by_label("Second", exact=True)).to_have_value("sms")
    await expect(order.get_by_label("Third", exact=True)).to_have_value("")
    assert await accessibility_problems(page) == []
    await screenshot(page, "settings-rules")

    # a channel twice: refused, named next to the order, what was chosen still shown
    await order.get_by_label("Second", exact=True).select_option("email")
    await page.get_by_role("button", name="Save the notification settings").click()
    refused = page.locator("#e-channel_order")
    await expect(refused).to_contain_text("Channels for messages to clients, in order")
    await expect(refused).to_contain_text("email repeated")
    await expect(order.get_by_label("Second", exact=True)).to_have_value("email")
    assert (await api.call("GET", NOTIFY))["channel_order"] == ["email", "sms"]

    # a number past the service's limit
    await page.goto("/app/settings")
    await without_the_browsers_check(page, "/app/settings/journal")
    await page.get_by_label("Days to make up an excused absence").fill("400")
    await page.get_by_role("button", name="Save the make-up rule").click()
    await expect(page.locator("#e-makeup_days")).to_have_text(
        "Days to make up an excused absence: must be at most 365"
    )
    await expect(page.locator("main p.error")).to_have_text("Please check the form.")
    await expect(page.get_by_label("Days to make up an excused absence")).to_have_value("400")
    await expect(page.get_by_label("Days to make up an excused absence")).to_have_attribute(
        "aria-invalid", "true"
    )
    assert (await api.call("GET", JOURNAL))["makeup_days"] == 21
    await screenshot(page, "settings-refused")

    # the same in Russian, switched on the refused form's page (its address takes only the
    # form's POST): back on the settings page
    await page.locator("footer button[value=ru]").click()
    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    assert urlsplit(page.url).path == "/app/settings"
    await without_the_browsers_check(page, "/app/settings/notifications")
    await page.get_by_label("Рассылок одному клиенту в день, не больше").fill("500")
    await page.get_by_role("button", name="Сохранить настройки уведомлений").click()
    await expect(page.locator("#e-daily_news_cap")).to_have_text(
        "Рассылок одному клиенту в день, не больше: должно быть не больше 100"
    )
    await page.goto("/app/settings")
    await page.get_by_label("Пропуск без уважительной причины списывает занятие").uncheck()
    await page.get_by_role("button", name="Сохранить правило пропусков").click()
    await expect(notice(page)).to_have_text("Правило пропусков сохранено.")
    assert (await api.call("GET", BILLING))["absence_uses_class"] is False
    assert (await api.call("GET", NOTIFY))["daily_news_cap"] == 1
    html = await page.content()
    assert "\u27e6" not in html
    await screenshot(page, "settings-rules-ru")

    # an admin changes billing's rules (billing lets them), sees the others as they are
    admin_email = f"adam-{uuid.uuid4().hex[:8]}@school.example.com"
    branch = signed_up["branch"]["id"]
    await api.post(
        f"{ID}/staff",
        {
            "email": admin_email,
            "name": "Adam Admin",
            "role": "admin",
            "password": PASSWORD,
            "grants": [{"scope": "branch", "scope_id": branch}],
        },
    )
    admin = await new_page(browser, system.gateway_url)
    await sign_in(admin, admin_email, PASSWORD)
    await admin.goto("/app/settings")
    await expect(admin.get_by_label("Days to make up an excused absence")).to_be_disabled()
    await expect(admin.get_by_label("SMS a month, at most")).to_be_disabled()
    for button in ("Save the make-up rule", "Save the notification settings"):
        await expect(admin.get_by_role("button", name=button)).to_have_count(0)
    await admin.get_by_label("Days ahead to remind").fill("2")
    await admin.get_by_role("button", name="Save the reminder rule").click()
    await expect(notice(admin)).to_have_text("The reminder rule is saved.")
    assert (await api.call("GET", BILLING))["reminder_lead_days"] == 2
    assert page.errors == []  # type: ignore[attr-defined]
    assert admin.errors == []  # type: ignore[attr-defined]
