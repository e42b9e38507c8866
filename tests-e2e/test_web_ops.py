"""Rooms, schedules, lessons, transfers, waitlists and comments in a real browser: a room and a
weekly schedule made by clicking, a month of lessons generated and seen in the journal grid, a
lesson cancelled and another given a substitute, a double-booked room refused in words, a
transfer, a waitlist's seat offered and taken, a comment shown to the client; every page in
en, ru, pl and uk; a teacher sees their group's schedule and none of the changes."""

from __future__ import annotations

import calendar
import re
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from playwright.async_api import Browser, Page, expect

from crm_devrun.processes import poll_until

from .browser import (
    PASSWORD,
    WITHIN,
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


def next_month() -> tuple[date, date]:
    first = (school_today().replace(day=28) + timedelta(days=5)).replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def weekdays_in(first: date, last: date, weekdays: set[int]) -> list[date]:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [d for d in days if d.isoweekday() in weekdays]


async def teacher(api: Api, name: str, *group_ids: str) -> dict[str, Any]:
    """A teacher, once the journal knows them (it learns staff from identity's events)."""
    person: dict[str, Any] = await api.post(
        "/api/v1/identity/staff",
        {
            "email": f"teacher-{uuid.uuid4().hex[:8]}@school.example.com",
            "name": name,
            "role": "teacher",
            "password": PASSWORD,
            "grants": [{"scope": "group", "scope_id": g} for g in group_ids],
        },
    )

    async def known() -> bool | None:
        response = await api.gateway.get(f"{J}/teachers/{person['id']}/rates", headers=api.headers)
        return True if response.status_code == 200 else None

    await poll_until(known, within=WITHIN, what="the journal to learn the teacher")
    return person


async def group(api: Api, branch: str, name: str, **fields: Any) -> dict[str, Any]:
    body = {"name": name, "branch_id": branch, "starts_on": str(school_today().replace(day=1))}
    made: dict[str, Any] = await api.post(f"{J}/groups", body | fields)
    return made


async def client(api: Api, first_name: str, last_name: str, phone: str) -> dict[str, Any]:
    made: dict[str, Any] = await api.post(
        "/api/v1/clients/clients",
        {"first_name": first_name, "last_name": last_name, "phone": phone},
    )
    return made


async def fill_slot(page: Page, row: int, day: str, at: str, room: str, who: str) -> None:
    await page.get_by_label(f"Day, row {row}", exact=True).select_option(label=day)
    await page.get_by_label(f"Time, row {row}", exact=True).fill(at)
    await page.get_by_label(f"Room, row {row}", exact=True).select_option(label=room)
    if who:
        await page.get_by_label(f"Teacher, row {row}", exact=True).select_option(label=who)


async def test_rooms_schedule_lessons_and_a_double_booking(
    system: Any,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, signed_up, email = await school(gateway, "Rooms school")
    branch = signed_up["branch"]["id"]
    piano = await group(api, branch, "Piano", capacity=8)
    violin = await group(api, branch, "Violin")
    anna = await teacher(api, "Anna Keys", piano["id"])
    boris = await teacher(api, "Boris Bow")

    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    # A room, added and renamed by clicking.
    await page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Rooms").click()
    await expect(page.get_by_text("No rooms yet.")).to_be_visible()
    await page.get_by_label("Name").fill("Studio A")
    await page.get_by_role("button", name="Add the room").click()
    await expect(page.locator("p.notice")).to_have_text("Room added.")
    await page.get_by_label("New name of Studio A").fill("Studio 1")
    await page.get_by_role("button", name="Rename").click()
    await expect(page.locator("p.notice")).to_have_text("Room renamed.")
    await expect(page.get_by_role("cell", name="Studio 1", exact=True)).to_be_visible()

    # Piano's weekly schedule: Mondays 17:00 with Anna, Thursdays 18:00, both in Studio 1.
    await (
        page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Journal").click()
    )
    await page.get_by_role("link", name="Schedule and lessons of Piano").click()
    await page.get_by_label("Anna Keys").check()
    await fill_slot(page, 1, "Monday", "17:00", "Studio 1", "Anna Keys")
    await fill_slot(page, 2, "Thursday", "18:00", "Studio 1", "")
    await page.get_by_role("button", name="Save the schedule").click()
    await expect(page.locator("p.notice")).to_have_text("Schedule saved.")
    saved = await api.call("GET", f"{J}/groups/{piano['id']}")
    assert [(s["weekday"], s["starts_at"]) for s in saved["schedule"]] == [
        (1, "17:00"),
        (4, "18:00"),
    ]
    assert {s["teacher_id"] for s in saved["schedule"]} == {anna["id"]}
    studio = (await api.call("GET", f"{J}/rooms"))["items"][0]
    assert {s["room_id"] for s in saved["schedule"]} == {studio["id"]}

    # A month of lessons, generated and seen as the journal grid's columns.
    first, last = next_month()
    expected = weekdays_in(first, last, {1, 4})
    await page.get_by_label("From").fill(str(first))
    await page.get_by_label("Until").fill(str(last))
    await page.get_by_role("button", name="Generate lessons from the schedule").click()
    await expect(page.locator("p.notice")).to_have_text(
        f"Lessons added: {len(expected)}. Already there: 0."
    )
    await expect(page.locator("table.lessons tbody tr")).to_have_count(len(expected))
    await screenshot(page, "ops-schedule")
    await page.goto(f"/app/groups/{piano['id']}/journal?month={first:%Y-%m}")
    await expect(page.locator("table.journal thead th.day")).to_have_count(len(expected))
    await screenshot(page, "ops-journal")

    # Cancel the first lesson with a reason; the second gets Boris as a substitute.
    lessons = (
        await api.call(
            "GET", f"{J}/groups/{piano['id']}/lessons?from_date={first}&until_date={last}"
        )
    )["items"]
    await page.goto(f"/app/groups/{piano['id']}/schedule?month={first:%Y-%m}")
    rows = page.locator("table.lessons tbody tr")
    await rows.nth(0).get_by_role("button", name="Open").click()
    dialog = page.get_by_role("dialog")
    await dialog.locator("summary", has_text="Cancel the lesson").click()
    await dialog.get_by_label("Reason").fill("Teacher ill")
    await dialog.get_by_role("button", name="Cancel the lesson").click()
    await expect(dialog.get_by_role("status")).to_have_text("Lesson cancelled.")
    await dialog.get_by_role("button", name="Close").click()
    await expect(rows.nth(0)).to_contain_text("cancelled: Teacher ill")
    cancelled = await api.call("GET", f"{J}/lessons/{lessons[0]['id']}")
    assert (cancelled["cancelled"], cancelled["cancel_reason"]) == (True, "Teacher ill")

    await rows.nth(1).get_by_role("button", name="Open").click()
    await dialog.locator("summary", has_text="Substitute teacher").click()
    await dialog.get_by_label("Who runs this lesson").select_option(label="Boris Bow")
    await dialog.get_by_role("button", name="Change the teacher").click()
    await expect(dialog.get_by_role("status")).to_have_text("Teacher changed for this lesson.")
    # A comment on this lesson, shown to the clients.
    await dialog.get_by_label("Comment").fill("Bring the sheet music")
    await dialog.get_by_label("visible to the client").check()
    await dialog.get_by_role("button", name="Add the comment").click()
    await expect(dialog.get_by_role("status")).to_have_text("Comment added.")
    await expect(dialog.locator(".comments")).to_contain_text("Bring the sheet music")
    await dialog.get_by_role("button", name="Close").click()
    await expect(rows.nth(1)).to_contain_text("Boris Bow")
    substituted = await api.call("GET", f"{J}/lessons/{lessons[1]['id']}")
    assert substituted["teacher_id"] == boris["id"]
    untouched = await api.call("GET", f"{J}/lessons/{lessons[2]['id']}")
    assert untouched["teacher_id"] == anna["id"]
    said = (await api.call("GET", f"{J}/comments?lesson_id={lessons[1]['id']}"))["items"]
    assert [(c["target"], c["visible_to_client"]) for c in said] == [("lesson", True)]

    # Violin may not take Studio 1 on Mondays at 17:30: refused, and said in words.
    await page.goto(f"/app/groups/{violin['id']}/schedule")
    await fill_slot(page, 1, "Monday", "17:30", "Studio 1", "")
    await page.get_by_role("button", name="Save the schedule").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("Not saved: the time is taken.")
    await expect(alert).to_contain_text(
        "Monday at 5:30\u202fPM: the room is already taken by another group."
    )
    assert (await api.call("GET", f"{J}/groups/{violin['id']}"))["schedule"] == []
    await expect(page.get_by_label("Day, row 1", exact=True)).to_have_value("1")  # kept as typed
    await screenshot(page, "ops-double-booking")

    # The room's week shows Piano's lesson on the first Monday, and its weekly slots.
    monday = next(d for d in expected if d.isoweekday() == 1)
    await page.goto("/app/rooms")
    await page.get_by_role("link", name="Timetable of Studio 1").click()
    await page.goto(f"{page.url}?week={monday}")
    await expect(page.locator("table.timetable")).to_contain_text("Piano")
    await expect(page.get_by_role("heading", name="Weekly schedule in this room")).to_be_visible()
    assert await accessibility_problems(page) == []
    assert page.errors == []  # type: ignore[attr-defined]
    await screenshot(page, "ops-room")


async def test_transfer_waitlist_and_a_comment_shown_to_the_client(
    system: Any,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, signed_up, email = await school(gateway, "Waitlist school")
    branch = signed_up["branch"]["id"]
    start = str(school_today().replace(day=1))
    small = await group(api, branch, "Small", capacity=1)
    big = await group(api, branch, "Big", capacity=5)
    ada = await client(api, "Ada", "Lovelace", "+48601200601")
    ben = await client(api, "Ben", "Walker", "+48601200602")
    cleo = await client(api, "Cleo", "Stone", "+48601200603")
    open_group = await group(api, branch, "Open")  # no capacity: seats are offered by hand
    await api.enrol(small["id"], ada["id"], start)

    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto("/app/groups")
    await page.get_by_role("link", name="Members and waitlist of Small").click()
    await expect(page.locator(".fill")).to_contain_text("1 seat taken of 1")

    # Ben waits for the full group; a larger capacity offers him the seat; he is enrolled.
    await page.get_by_label("Find a client").fill("Walker")
    await page.get_by_role("button", name="Find").click()
    await page.get_by_role("button", name="Add to the waitlist").click()
    await expect(page.locator("p.notice")).to_have_text("Added to the waitlist.")
    entry = page.locator(".waitlist li")
    await expect(entry).to_contain_text("Walker Ben")
    await expect(entry).to_have_attribute("data-status", "waiting")
    await page.get_by_label("Capacity").fill("2")
    await page.get_by_role("button", name="Save the capacity").click()
    await expect(entry).to_have_attribute("data-status", "offered")
    await expect(page.locator(".fill")).to_contain_text("2 seats taken of 2")
    await screenshot(page, "ops-waitlist")
    await entry.get_by_role("button", name="Enrol").click()
    await expect(page.locator("p.notice")).to_have_text("Enrolled from the waitlist.")
    await expect(page.get_by_text("Nobody is waiting.")).to_be_visible()
    enrolments = (await api.call("GET", f"{J}/groups/{small['id']}/enrolments"))["items"]
    assert {e["client_id"] for e in enrolments} == {ada["id"], ben["id"]}

    # Ada moves to Big from today, and shows in Big's journal.
    today = school_today()
    row = page.locator("table.members tbody tr", has_text="Lovelace Ada")
    await row.get_by_label("Transfer Lovelace Ada to").select_option(label="Big")
    await row.get_by_label("from", exact=True).fill(str(today))
    await row.get_by_role("button", name="Transfer").click()
    await expect(page.locator("p.notice")).to_have_text("Transferred.")
    await expect(page.locator("table.members tbody tr")).to_have_count(1)
    moved = (await api.call("GET", f"{J}/groups/{big['id']}/enrolments"))["items"]
    assert [(e["client_id"], e["from_date"]) for e in moved] == [(ada["id"], str(today))]
    await page.goto(f"/app/groups/{big['id']}/journal")
    await expect(page.locator(f"#row-{ada['id']}")).to_contain_text("Lovelace")

    # In a group without a capacity, a seat is offered by hand.
    await page.goto(f"/app/groups/{open_group['id']}/members?q=Stone")
    await page.get_by_role("button", name="Add to the waitlist").click()
    await page.locator(".waitlist li").get_by_role("button", name="Offer a seat").click()
    await expect(page.locator("p.notice")).to_have_text("Seat offered.")
    await expect(page.locator(".waitlist li")).to_have_attribute("data-status", "offered")
    waiting = (await api.call("GET", f"{J}/groups/{open_group['id']}/waitlist"))["items"]
    assert [(w["client_id"], w["status"]) for w in waiting] == [(cleo["id"], "offered")]

    # A comment about Ada in Big, made first for staff only, then shown to her.
    await page.goto(f"/app/groups/{big['id']}/comments")
    await page.get_by_label("About").select_option(label="Lovelace Ada")
    await page.get_by_label("Comment", exact=True).fill("Moved from Small, wants Mondays")
    await page.get_by_role("button", name="Add the comment").click()
    await expect(page.locator("p.notice")).to_have_text("Comment added.")
    listed = page.locator(".comments li")
    await expect(listed).to_contain_text("staff only")
    await listed.get_by_role("button", name="Show to the client").click()
    await expect(page.locator("p.notice")).to_have_text("The client sees this comment.")
    await expect(listed).to_contain_text("visible to the client")
    said = (await api.call("GET", f"{J}/comments?group_id={big['id']}"))["items"]
    assert [(c["target"], c["client_id"], c["visible_to_client"]) for c in said] == [
        ("client", ada["id"], True)
    ]
    assert await accessibility_problems(page) == []
    assert page.errors == []  # type: ignore[attr-defined]
    await screenshot(page, "ops-comments")


async def test_every_ops_page_in_every_language_and_what_a_teacher_may_do(
    system: Any,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, signed_up, email = await school(gateway, "Ops languages school")
    branch = signed_up["branch"]["id"]
    room = await api.post(f"{J}/rooms", {"branch_id": branch, "name": "Hall"})
    choir = await group(
        api,
        branch,
        "Choir",
        capacity=1,
        room_id=room["id"],
        schedule=[{"weekday": 2, "starts_at": "16:00", "duration_minutes": 45}],
    )
    other = await group(api, branch, "Band")
    first, last = next_month()
    made = await api.post(
        f"{J}/groups/{choir['id']}/lessons/generate",
        {"from_date": str(first), "until_date": str(last)},
    )
    lesson = made["created"][0]
    ola = await client(api, "Ola", "Lis", "+48601200701")
    kuba = await client(api, "Kuba", "Lis", "+48601200702")
    await api.enrol(choir["id"], ola["id"], str(school_today().replace(day=1)))
    await api.post(f"{J}/groups/{choir['id']}/waitlist", {"client_id": kuba["id"]})
    await api.post(
        f"{J}/comments",
        {"target": "group", "group_id": choir["id"], "body": "Concert in May"},
    )
    tutor = await teacher(api, "Tina Tenor", choir["id"])
    pages = [
        "/app/rooms",
        f"/app/rooms/{room['id']}?week={lesson['lesson_date']}",
        f"/app/groups/{choir['id']}/schedule?month={first:%Y-%m}",
        f"/app/groups/{choir['id']}/lessons/{lesson['id']}/panel",
        f"/app/groups/{choir['id']}/members",
        f"/app/groups/{choir['id']}/members?q=Lis",
        f"/app/groups/{choir['id']}/comments",
    ]
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    words = {"en": "Waitlist", "ru": "Лист ожидания", "pl": "Lista oczekujących", "uk": "Лист"}
    for lang, word in words.items():
        await page.goto("/app")
        await page.locator(f"footer button[value={lang}]").click()
        for path in pages:
            response = await page.goto(path)
            assert response is not None
            assert response.status == 200, path
            html = await page.content()
            assert "\u27e6" not in html, f"{lang} {path}: {re.findall(r'⟦[^⟧]*⟧', html)[:5]}"
            if "/panel" not in path:
                assert f'<html lang="{lang}">' in html, path
        await page.goto(f"/app/groups/{choir['id']}/members")
        assert word in await page.content(), lang
        await screenshot(page, f"ops-members-{lang}")
    await page.goto(f"/app/groups/{choir['id']}/schedule?month={first:%Y-%m}")
    assert await accessibility_problems(page) == []

    # The teacher of Choir: its schedule, lessons and comments to read and comment on; no
    # changes to rooms, schedules, lessons or members; another group does not exist for them.
    teaching = await new_page(browser, system.gateway_url)
    await sign_in(teaching, tutor["email"])
    nav = teaching.get_by_role("navigation", name="Main menu")
    await expect(nav.get_by_role("link", name="Rooms")).to_have_count(0)
    await teaching.goto(f"/app/groups/{choir['id']}/schedule?month={first:%Y-%m}")
    await expect(teaching.get_by_role("heading", name="Weekly schedule")).to_be_visible()
    await expect(teaching.get_by_role("button", name="Save the schedule")).to_have_count(0)
    await expect(
        teaching.get_by_role("button", name="Generate lessons from the schedule")
    ).to_have_count(0)
    await expect(teaching.locator("table.lessons tbody tr")).to_have_count(len(made["created"]))
    await (
        teaching.locator("table.lessons tbody tr").first.get_by_role("button", name="Open").click()
    )
    dialog = teaching.get_by_role("dialog")
    await expect(dialog.get_by_role("button", name="Add the comment")).to_be_visible()
    await expect(dialog.locator("summary", has_text="Cancel the lesson")).to_have_count(0)
    await expect(dialog.locator("summary", has_text="Substitute teacher")).to_have_count(0)
    await screenshot(teaching, "ops-teacher")
    await dialog.get_by_role("button", name="Close").click()
    await teaching.goto(f"/app/groups/{choir['id']}/members")
    # Kuba only waits: the teacher may not see who he is, only that someone waits.
    await expect(teaching.locator(".waitlist li")).to_have_attribute("data-status", "waiting")
    await expect(teaching.locator(".waitlist li")).not_to_contain_text("Kuba")
    await expect(teaching.locator("table.members")).to_contain_text("Lis Ola")
    await expect(teaching.get_by_role("button", name="Transfer")).to_have_count(0)
    await expect(teaching.get_by_role("button", name="Save the capacity")).to_have_count(0)
    await expect(teaching.get_by_role("button", name="Offer a seat")).to_have_count(0)
    await teaching.goto(f"/app/rooms/{room['id']}?week={lesson['lesson_date']}")
    await expect(teaching.locator("table.timetable")).to_contain_text("Choir")
    await expect(teaching.get_by_role("button", name="Rename")).to_have_count(0)
    refused = await teaching.goto(f"/app/groups/{other['id']}/schedule")
    assert refused is not None
    assert refused.status == 404
    assert teaching.errors == []  # type: ignore[attr-defined]
