"""The journal grid in a real browser: a group's month marked with the mouse and with the
keyboard; each row's classes left and balance follow; a cell changed by someone else meanwhile
is not overwritten; money from the row's dialog; the page passes axe-core."""

from __future__ import annotations

import calendar
import re
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.async_api import Browser, expect

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

J = "/api/v1/journal"
CLASSES = 8


async def month_with_lessons(api: Api, branch: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    # Last month: every lesson has taken place, so each may be marked attended or absent.
    first = (school_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    group = await api.post(
        f"{J}/groups",
        {
            "name": "Singing",
            "branch_id": branch,
            "capacity": 10,
            "starts_on": str(first),
            "schedule": [
                {"weekday": d, "starts_at": "17:00", "duration_minutes": 60} for d in (1, 3, 5)
            ],
        },
    )
    made = await api.post(
        f"{J}/groups/{group['id']}/lessons/generate",
        {"from_date": str(first), "until_date": str(last)},
    )
    return group, made["created"]


async def test_marking_a_month_with_mouse_and_keyboard(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, signed_up, email = await school(gateway, "Journal school")
    branch = signed_up["branch"]["id"]
    group, lessons = await month_with_lessons(api, branch)
    assert len(lessons) >= 6
    clients = []
    # Rows go by last name: Marta Adamska above Jan Nowak.
    for first_name, last_name, phone in (
        ("Marta", "Adamska", "+48601200300"),
        ("Jan", "Nowak", "+48601200301"),
    ):
        client = await api.post(
            "/api/v1/clients/clients",
            {
                "first_name": first_name,
                "last_name": last_name,
                "phone": phone,
                "birthday": "2016-05-04",
            },
        )
        await api.enrol(group["id"], client["id"], lessons[0]["lesson_date"])
        clients.append(client)
    service = await api.post(
        "/api/v1/billing/catalogue",
        {
            "kind": "pack",
            "name": f"Singing x {CLASSES}",
            "price_minor": 32000,
            "classes": CLASSES,
            "period": {"unit": "month", "count": 2},  # still running this month
        },
    )
    for client in clients:
        await api.post(
            f"/api/v1/billing/clients/{client['id']}/packs",
            {
                "service_id": service["id"],
                "payment_mode": "credit",
                "starts_on": lessons[0]["lesson_date"],
            },
            **{"Idempotency-Key": uuid.uuid4().hex},
        )

    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await (
        page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Journal").click()
    )
    await page.get_by_role("link", name="Singing", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Singing")
    shown = await page.goto(f"{page.url.split('?')[0]}?month={lessons[0]['lesson_date'][:7]}")
    assert shown is not None
    assert await shown.header_value("content-encoding") == "gzip"  # through the gateway too
    marta = page.locator(f"#row-{clients[0]['id']}")
    jan = page.locator(f"#row-{clients[1]['id']}")
    await expect(marta.locator("td[id^=left-]")).to_have_text(str(CLASSES), timeout=30_000)
    balance = marta.locator("td[id^=bal-]")
    await expect(balance).to_have_text("-PLN320.00")  # sold on credit
    await expect(balance).to_have_class("num debt")

    # The mouse: a click on an empty cell marks it attended, the next one moves it on.
    cells = marta.locator("td.cell")
    await cells.nth(0).locator("button").click()
    await expect(cells.nth(0)).to_have_attribute("data-status", "attended")
    await expect(cells.nth(0).locator("button")).to_have_text("A")  # a letter beside the colour
    await expect(page.locator("#live")).to_have_text("Marked: Attended.")
    await cells.nth(1).locator("button").click()
    await cells.nth(1).locator("button").click()  # queued behind the first: absent, in order
    await expect(cells.nth(1)).to_have_attribute("data-status", "absent")
    await expect(marta.locator("td[id^=left-]")).to_have_text(str(CLASSES - 1), timeout=30_000)

    # The keyboard: arrows move, letters set; E = excused, A = attended, P = planned.
    await cells.nth(1).locator("button").focus()
    for key in (
        "ArrowRight",
        "e",
        "ArrowRight",
        "a",
        "ArrowRight",
        "a",
        "ArrowDown",
        "p",
        "ArrowLeft",
        "a",
    ):
        await page.keyboard.press(key)
    await expect(cells.nth(2)).to_have_attribute("data-status", "excused")
    await expect(cells.nth(3)).to_have_attribute("data-status", "attended")
    await expect(cells.nth(4)).to_have_attribute("data-status", "attended")
    jan_cells = jan.locator("td.cell")
    await expect(jan_cells.nth(4)).to_have_attribute("data-status", "planned")
    await expect(jan_cells.nth(3)).to_have_attribute("data-status", "attended")
    await expect(jan_cells.nth(3).locator("button")).to_be_focused()
    await expect(marta.locator("td[id^=left-]")).to_have_text(str(CLASSES - 3), timeout=30_000)
    await expect(jan.locator("td[id^=left-]")).to_have_text(str(CLASSES - 1), timeout=30_000)

    # Delete empties a cell; the marks are the journal's, not the page's: they survive a reload.
    await page.keyboard.press("Delete")
    await expect(jan_cells.nth(3)).to_have_attribute("data-status", "")
    await page.reload()
    statuses = [await c.get_attribute("data-status") for c in await cells.all()][:5]
    assert statuses == ["attended", "absent", "excused", "attended", "attended"]

    # Someone else changes a cell the page shows: the click does not overwrite it.
    lesson = lessons[5]["id"]
    await api.call("PUT", f"{J}/lessons/{lesson}/marks/{clients[0]['id']}", {"status": "absent"})
    await cells.nth(5).locator("button").click()
    await expect(page.locator("#live")).to_contain_text("Someone else changed this cell")
    await expect(cells.nth(5)).to_have_attribute("data-status", "absent")
    marks = await api.call("GET", f"{J}/lessons/{lesson}/marks")
    assert [m["status"] for m in marks["items"] if m["client_id"] == clients[0]["id"]] == ["absent"]

    # A payment from the row, without leaving the journal: the row's balance follows.
    await marta.get_by_role("button", name=re.compile("Actions for Marta")).click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_role("textbox", name="Amount (PLN)").fill("320")
    await dialog.get_by_role("button", name="Record the payment").click()
    await expect(dialog.get_by_role("status")).to_have_text("Payment recorded.")
    await dialog.get_by_role("button", name="Close").click()
    await expect(balance).to_have_text("PLN0.00", timeout=30_000)
    assert urlsplit(page.url).path.endswith("/journal")

    await page.keyboard.press("Escape")
    assert await accessibility_problems(page) == []
    assert page.errors == []  # type: ignore[attr-defined]
    await screenshot(page, "journal")
