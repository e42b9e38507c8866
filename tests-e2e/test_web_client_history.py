"""A client's history on the card reads in the page's language: an enrolment, a mark, a
freeze and its end, worded in Ukrainian with Ukrainian dates (no English summary left), and
in English for an English page."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from babel.dates import format_date
from playwright.async_api import Browser, Page, expect

from crm_devrun.processes import poll_until
from crm_devrun.system import System

from .browser import (
    accessibility_problems,
    browser,  # noqa: F401 - the fixture
    new_page,
    school,
    school_today,
    screenshot,
    sign_in,
)

J = "/api/v1/journal"
CL = "/api/v1/clients/clients"
ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")


async def history_on(page: Page, lang: str, client_id: str) -> str:
    await page.goto("/app")
    await page.locator(f"footer button[value={lang}]").click()
    await page.goto(f"/app/clients/{client_id}")
    return await page.locator("ul.history").inner_text()


async def test_a_clients_history_reads_in_the_pages_language(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, signed_up, email = await school(gateway, "History school")
    today = school_today()
    yesterday, until = today - timedelta(days=1), today + timedelta(days=14)
    group = await api.post(
        f"{J}/groups",
        {"name": "Piano", "branch_id": signed_up["branch"]["id"], "starts_on": str(yesterday)},
    )
    client = await api.post(CL, {"first_name": "Ola", "last_name": "Lis"})
    await api.enrol(group["id"], client["id"], str(yesterday))
    lesson = await api.post(
        f"{J}/groups/{group['id']}/lessons",
        {"lesson_date": str(yesterday), "starts_at": "10:00", "duration_minutes": 45},
    )
    marks = f"{J}/lessons/{lesson['id']}/marks/{client['id']}"
    await api.call("PUT", marks, {"status": "attended"})
    await api.post(f"{CL}/{client['id']}/freeze", {"until_date": str(until), "reason": "грип"})
    await api.post(f"{CL}/{client['id']}/unfreeze", {})
    task = await api.post(
        f"{CL}/{client['id']}/tasks",
        {"kind": "call", "title": "Подзвонити мамі", "due_date": str(today)},
    )
    await api.call(
        "PATCH", f"{CL}/{client['id']}/tasks/{task['id']}", {"status": "done"}, **{"If-Match": "1"}
    )

    async def told() -> bool | None:
        lines = (await api.call("GET", f"{CL}/{client['id']}/history"))["items"]
        kinds = {line["kind"] for line in lines}
        return True if {"journal.enrolment_started", "journal.attendance_marked"} <= kinds else None

    await poll_until(told, within=60.0, what="the journal's events in the client's history")

    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    shown = await history_on(page, "uk", client["id"])
    day, first = (
        format_date(today, "medium", locale="uk"),
        format_date(yesterday, "medium", locale="uk"),
    )
    last = format_date(until, "medium", locale="uk")
    for line in (
        f"Зарахування до групи Piano з {first}",
        f"Позначка «був» за {first}, група Piano",
        f"Заморожування з {day} по {last}: грип",
        "Клієнта розморожено",
        "Створено картку клієнта",
        f"Дзвінок заплановано на {day}: Подзвонити мамі",
        "Завдання виконано: Подзвонити мамі",
    ):
        assert line in shown, shown
    tasks = page.get_by_role("region", name="Завдання")
    await expect(tasks).to_contain_text(f"{day}: Подзвонити мамі виконано")
    for english in ("Enrolled", "Marked", "Frozen", "Unfrozen", "created", "group", "done"):
        assert english not in shown, shown
    assert not ISO_DATE.search(shown), shown
    assert await page.locator("ul.history [lang]").count() == 0  # no summary fell back
    assert await accessibility_problems(page) == []
    await page.locator("#history-h").scroll_into_view_if_needed()
    await screenshot(page, "client-history-uk")

    shown = await history_on(page, "en", client["id"])
    for line in (
        f"Enrolled in group Piano from {format_date(yesterday, 'medium', locale='en')}",
        f"Marked attended on {format_date(yesterday, 'medium', locale='en')} in group Piano",
        "Unfrozen",
        "Client card created",
        "Task completed: Подзвонити мамі",
    ):
        assert line in shown, shown
    await expect(page.get_by_role("region", name="Tasks")).to_contain_text("completed")
    await screenshot(page, "client-history-en")
