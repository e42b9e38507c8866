# ruff: noqa: RUF001 - Russian texts hold Cyrillic letters that look Latin
"""A service's refusal on a page in Russian, in Debian's Chromium through the whole system: the
import's report of bad rows is told in Russian (the field's label, the reason), and what
only the service can say follows marked as English."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect

from crm_devrun.system import System

from .browser import (
    accessibility_problems,
    browser,  # noqa: F401 - the fixture
    new_page,
    school,
    screenshot,
    sign_in,
)


async def test_an_imports_bad_rows_are_told_in_russian(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    _api, _signed_up, email = await school(gateway, "Refusals school")
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto("/app/clients/import")
    await page.locator("footer button[value=ru]").click()
    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    csv = (
        "First name;Last name;Birthday;Email\n"
        "Zofia;Kowalska;2015-13-01;\n"
        "Jan;Lis;2015-02-01;jan@@example\n"
        "Ada;Nowak;2016-03-04;\n"
    )
    await page.get_by_label("Файл").set_input_files(
        files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    await page.get_by_role("button", name="Далее: столбцы").click()
    await page.get_by_role("button", name="Проверить файл").click()
    problems = page.locator("#import-errors tbody tr")
    await expect(problems).to_have_count(2)
    birthday = problems.filter(has_text="День рождения")
    await expect(birthday).to_contain_text("не дата (используйте ГГГГ-ММ-ДД или ДД.ММ.ГГГГ)")
    mail = problems.filter(has_text="Email")
    await expect(mail).to_contain_text("неверный адрес электронной почты: ")
    await expect(mail.locator("span[lang=en]")).to_have_count(1)
    assert "not a date" not in await page.locator("#import-errors").inner_text()
    assert await accessibility_problems(page) == []
    await screenshot(page, "refusal-import-ru")
    assert page.errors == []  # type: ignore[attr-defined]


async def test_a_refused_form_is_told_in_russian(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    """The journal's refusal of a new group: a name of spaces only (the browser's `required`
    lets it through; the journal strips it) and a start the journal keeps no dates for."""
    _api, _signed_up, email = await school(gateway, "Refused form school")
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto("/app/groups")
    await page.locator("footer button[value=ru]").click()
    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    await page.get_by_label("Название").fill("   ")
    await page.get_by_label("Начало").fill("1800-01-01")
    await page.get_by_role("button", name="Создать группу").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("Проверьте форму.")
    await expect(alert).to_contain_text("Название: обязательное поле")
    await expect(alert).to_contain_text("Начало: ")
    english = alert.locator("span[lang=en]")
    await expect(english).to_have_count(1)  # the journal's own words on its date range
    await expect(english).to_contain_text("date")
    assert "String should" not in await alert.inner_text()
    assert await accessibility_problems(page) == []
    await screenshot(page, "refusal-group-ru")
    assert page.errors == []  # type: ignore[attr-defined]
