"""What staff do to a client from the journal's row dialog, in a real browser, each checked
against the API afterwards: an invoice, a comment, a make-up seat booked from the seat finder
for an excused cell, a transfer to another group and archiving."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
from playwright.async_api import Browser, Locator, Page, expect

from crm_devrun.system import System

from .browser import (
    Api,
    browser,  # noqa: F401 - the fixture
    new_page,
    school,
    school_today,
    screenshot,
    sign_in,
)

J = "/api/v1/journal"


async def group(api: Api, branch: str, name: str, starts_on: str) -> dict[str, Any]:
    body = {
        "name": name,
        "branch_id": branch,
        "programme": "Voice",
        "capacity": 10,
        "starts_on": starts_on,
    }
    made: dict[str, Any] = await api.post(f"{J}/groups", body)
    return made


async def lesson(api: Api, group_id: str, day: str, starts_at: str) -> dict[str, Any]:
    body = {"lesson_date": day, "starts_at": starts_at, "duration_minutes": 60}
    made: dict[str, Any] = await api.post(f"{J}/groups/{group_id}/lessons", body)
    return made


async def open_row(page: Page, client: dict[str, Any]) -> Locator:
    row = page.locator(f"#row-{client['id']}")
    await row.get_by_role("button", name=re.compile(f"Actions for {client['first_name']}")).click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_role("heading", level=2)).to_contain_text(client["first_name"])
    return dialog


async def test_from_the_row_dialog_without_leaving_the_journal(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, signed_up, email = await school(gateway, "Row dialog school")
    branch = signed_up["branch"]["id"]
    today = school_today()
    past = today - timedelta(days=2)
    singing = await group(api, branch, "Singing", str(today - timedelta(days=30)))
    choir = await group(api, branch, "Choir", str(today - timedelta(days=30)))
    missed = await lesson(api, singing["id"], str(past), "10:00")
    seat = await lesson(api, choir["id"], str(today + timedelta(days=3)), "17:00")
    marta, jan = [
        await api.post(
            "/api/v1/clients/clients",
            {"first_name": first, "last_name": last, "phone": phone},
        )
        for first, last, phone in (
            ("Marta", "Adamska", "+48601200410"),
            ("Jan", "Nowak", "+48601200411"),
        )
    ]
    for client in (marta, jan):
        await api.enrol(singing["id"], client["id"], str(today - timedelta(days=10)))
    await api.call("PUT", f"{J}/lessons/{missed['id']}/marks/{marta['id']}", {"status": "excused"})

    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto(f"/app/groups/{singing['id']}/journal?month={str(past)[:7]}")

    # An invoice.
    dialog = await open_row(page, marta)
    await dialog.get_by_text("Issue an invoice").click()
    await dialog.get_by_role("textbox", name="Amount (PLN)").last.fill("45,50")
    await dialog.get_by_role("textbox", name="Description").fill("Sheet music")
    await dialog.get_by_role("button", name="Issue the invoice").click()
    await expect(dialog.get_by_role("status")).to_have_text("Invoice issued.")
    invoices = await api.call("GET", f"/api/v1/billing/clients/{marta['id']}/invoices")
    assert [(i["description"], i["amount_minor"]) for i in invoices["items"]] == [
        ("Sheet music", 4550)
    ]

    # A comment that needs action.
    await dialog.get_by_text("Comments (0)").click()
    comments_part = dialog.locator("details", has_text="Comments (0)")
    await comments_part.get_by_role("textbox", name="Comment").fill("Bring the new songbook")
    await comments_part.get_by_role("combobox", name="Kind").select_option("action")
    await comments_part.get_by_role("button", name="Add the comment").click()
    await expect(dialog.get_by_role("status")).to_have_text("Comment added.")
    await expect(dialog.get_by_text("Comments (1)")).to_be_visible()
    comments = await api.call("GET", f"{J}/comments?group_id={singing['id']}")
    assert [(c["client_id"], c["kind"], c["body"]) for c in comments["items"]] == [
        (marta["id"], "action", "Bring the new songbook")
    ]

    # The excused cell's make-up: a seat in Choir, booked ahead of its lesson.
    await dialog.get_by_role("button", name="Find a seat").click()
    seats = dialog.get_by_role("table", name="Free seats")
    await expect(seats).to_contain_text("Choir")
    await screenshot(page, "grid-seat-finder")
    await seats.get_by_role("button", name="Book").click()
    await expect(dialog.get_by_role("status")).to_have_text("Make-up booked.")
    booked = await api.call("GET", f"{J}/lessons/{seat['id']}/marks")
    absence = await api.call("GET", f"{J}/lessons/{missed['id']}/marks")
    assert [(m["client_id"], m["status"], m["makeup_of"]) for m in booked["items"]] == [
        (marta["id"], "planned", absence["items"][0]["id"])
    ]
    await dialog.get_by_role("button", name="Close").click()

    # A comment on Marta's cell of the missed lesson, from the lesson's column head.
    await page.locator(f"th[data-lesson='{missed['id']}'] button").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_role("heading", level=2)).to_contain_text("10:00")
    about = dialog.get_by_role("combobox", name="About")
    await expect(about).to_contain_text("Adamska Marta in this lesson")
    await about.select_option(marta["id"])
    await dialog.get_by_role("textbox", name="Comment").fill("Had a cold; sings again next week")
    await dialog.get_by_role("button", name="Add the comment").click()
    await expect(dialog.get_by_role("status")).to_have_text("Comment added.")
    on_lesson = await api.call("GET", f"{J}/comments?lesson_id={missed['id']}")
    assert [(c["target"], c["client_id"]) for c in on_lesson["items"]] == [("cell", marta["id"])]
    await dialog.get_by_role("button", name="Close").click()

    # Jan moves to Choir; Marta leaves the group.
    dialog = await open_row(page, jan)
    await dialog.get_by_text("Transfer to another group").click()
    await dialog.get_by_role("combobox", name="To group").select_option(label="Choir")
    await dialog.get_by_role("button", name="Transfer", exact=True).click()
    await expect(dialog.get_by_role("status")).to_have_text("Transferred.")
    await dialog.get_by_role("button", name="Close").click()
    dialog = await open_row(page, marta)
    await dialog.get_by_text("Archive (leaves the group)").click()
    await dialog.get_by_role("button", name="Archive", exact=True).click()
    await expect(dialog.get_by_role("status")).to_have_text("The client leaves the group.")
    await screenshot(page, "grid-row-dialog")

    def ends(enrolments: dict[str, Any]) -> dict[str, str | None]:
        return {e["client_id"]: e["until_date"] for e in enrolments["items"]}

    in_singing = ends(await api.call("GET", f"{J}/groups/{singing['id']}/enrolments"))
    in_choir = ends(await api.call("GET", f"{J}/groups/{choir['id']}/enrolments"))
    assert in_singing[marta["id"]] == str(today)
    assert in_singing[jan["id"]] is not None
    assert in_choir == {jan["id"]: None}
    assert page.errors == []  # type: ignore[attr-defined]
