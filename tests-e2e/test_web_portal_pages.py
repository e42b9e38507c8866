"""The client portal's pages at a phone's size (390x844) in Debian's Chromium, through the
gateway: a parent with two children switches between them and sees each one's attendance
(status by colour and letter) and payments, reads the school's message, books a make-up into
another group's free seat, sends a profile change and switches reminders by email off, for
herself and for a child; every page answers in en, ru, pl and uk; attendance and payments
pass axe-core."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from babel.dates import format_date
from playwright.async_api import Browser, Page, expect

from crm_devrun.processes import poll_until
from crm_devrun.system import System

from .browser import (
    PHONE,
    WITHIN,
    accessibility_problems,
    browser,  # noqa: F401 - the fixture
    new_page,
    screenshot,
)
from .conftest import SmtpCatcher
from .test_access import bearer, sign_up
from .test_clients import CLIENTS, create_client
from .test_journal_billing import BI, J, add_service, billing_knows, post, school_today, sell
from .test_notifications import confirmed_client, letter_to, text_of
from .test_portal import CodeInbox, code_inbox  # noqa: F401 - the fixture

P = "/portal/v1"
NO = "/api/v1/notifications"
PASSWORD = "a parent's long password"
# Attendance: three past lessons of Piano 1, a status for each child.
STATUSES = {
    "Jan": ("attended", "attended", "excused"),
    "Ola": ("attended", "absent", "absent"),
}
LETTERS = {"attended": "A", "absent": "N", "excused": "E"}
SECTIONS = [
    "/my",
    "/my/attendance",
    "/my/payments",
    "/my/messages",
    "/my/makeups",
    "/my/knowledge",
    "/my/profile",
    "/my/preferences",
]


async def ok(response: Any, status: int = 200) -> Any:
    resolved = await response
    assert resolved.status_code == status, resolved.text
    return resolved.json() if resolved.content else None


async def scene(
    gateway: httpx.AsyncClient,
    smtp: SmtpCatcher,
    code_inbox: CodeInbox,  # noqa: F811
) -> dict[str, Any]:
    """A school, Anna (a confirmed email) with Jan and Ola; Piano 1's past lessons marked,
    Piano 2's free seat; Jan's pack paid, Ola's part paid (each with its invoice); a
    message to Anna; one material; Anna's portal account, linked."""
    school = await sign_up(gateway, "Portal pages school")
    owner = bearer(school["tokens"])
    org, branch = school["organisation"]["id"], school["branch"]["id"]
    await billing_knows(gateway, owner)
    today = school_today()
    phone = f"+48 609 {uuid.uuid4().int % 10**6:06d}"
    anna, _ = await confirmed_client(gateway, smtp, owner, "Anna", phone)
    kids = {
        name: await create_client(gateway, owner, name, f"+48 61{n}")
        for name, n in (("Jan", "2 000 001"), ("Ola", "2 000 002"))
    }
    for kid in kids.values():
        family = f"{CLIENTS}/{anna['id']}/family"
        await ok(gateway.post(family, headers=owner, json={"client_id": kid["id"]}))

    since = str(today - timedelta(days=30))
    groups = [
        await post(
            gateway,
            f"{J}/groups",
            owner,
            {"name": name, "branch_id": branch, "programme": "piano", "starts_on": since}
            | ({"capacity": 3} if name == "Piano 2" else {}),
        )
        for name in ("Piano 1", "Piano 2")
    ]
    for kid in kids.values():
        enrolment = {"client_id": kid["id"], "from_date": since}
        await post(gateway, f"{J}/groups/{groups[0]['id']}/enrolments", owner, enrolment)

    async def lesson(group: dict[str, Any], day: date, starts: str = "17:00") -> Any:
        body = {"lesson_date": str(day), "starts_at": starts, "duration_minutes": 45}
        return await post(gateway, f"{J}/groups/{group['id']}/lessons", owner, body)

    days = [today - timedelta(days=d) for d in (3, 2, 1)]
    past = [await lesson(groups[0], day) for day in days]
    await lesson(groups[0], today + timedelta(days=2))
    seat = await lesson(groups[1], today + timedelta(days=4), "16:00")
    marks: dict[str, list[Any]] = {}
    for name, statuses in STATUSES.items():
        marks[name] = [
            await ok(
                gateway.put(
                    f"{J}/lessons/{done['id']}/marks/{kids[name]['id']}",
                    headers=owner,
                    json={"status": status},
                )
            )
            for done, status in zip(past, statuses, strict=True)
        ]

    piano = await add_service(
        gateway,
        owner,
        kind="pack",
        name="Piano x 8",
        price_minor=40_000,
        classes=8,
        period={"unit": "month", "count": 1},
    )
    # Billing publishes no payment for a pack sold as paid (only for a payment recorded on
    # its own), so both packs are sold on credit and paid by a recorded payment.
    due_on = today + timedelta(days=10)
    sold = {}
    for name in ("Jan", "Ola"):
        sold[name] = await sell(
            gateway,
            owner,
            kids[name]["id"],
            service_id=piano["id"],
            payment_mode="credit",
            due_on=str(due_on),
        )
    for name, amount in (("Jan", 40_000), ("Ola", 15_000)):
        await ok(
            gateway.post(
                f"{BI}/clients/{kids[name]['id']}/payments",
                headers=owner | {"Idempotency-Key": uuid.uuid4().hex},
                json={"amount_minor": amount, "method": "card"},
            ),
            201,
        )
    message = {
        "audience": {"kind": "client", "id": anna["id"]},
        "subject": "Concert on Friday",
        "body": "The pupils play on Friday at 18:00. Parents are welcome.",
    }
    await ok(gateway.post(f"{NO}/broadcasts", headers=owner, json=message), 201)
    material = {
        "title": "Scales to practise",
        "body": "Ten minutes a day, slowly.",
        "links": ["https://example.com/scales"],
    }
    await ok(gateway.post("/api/v1/portal/materials", headers=owner, json=material), 201)

    login = phone.replace(" ", "")
    codes = {"organisation_id": org, "login": phone, "purpose": "signup"}
    await ok(gateway.post("/auth/portal/codes", json=codes), 202)
    signup = {
        "organisation_id": org,
        "login": phone,
        "code": await code_inbox.code_for(login),
        "first_name": "Anna",
        "last_name": "Nowak",
        "password": PASSWORD,
    }
    await ok(gateway.post("/auth/portal/signup", json=signup), 202)

    async def linked() -> dict[str, Any] | None:
        answer = await gateway.post(
            "/auth/portal/token",
            json={"organisation_id": org, "login": phone, "password": PASSWORD},
        )
        return answer.json() if answer.status_code == 200 else None

    tokens = await poll_until(linked, within=WITHIN, what="the account to be linked")
    return {
        "org": org,
        "owner": owner,
        "login": login,
        "me": bearer(tokens),
        "anna": anna,
        "kids": kids,
        "days": days,
        "marks": marks,
        "seat": seat,
        "period": (sold["Ola"]["starts_on"], sold["Ola"]["ends_on"]),
    }


async def until_shown(page: Page, text: str, what: str) -> None:
    """The portal's read models follow the other services' events: reload until they have."""

    async def probe() -> bool | None:
        await page.reload()
        return True if text in await page.locator("main").inner_text() else None

    await poll_until(probe, within=WITHIN, what=what)


async def choose(page: Page, person: str, section: str | None = None) -> None:
    await page.get_by_role("navigation", name="Family").get_by_role("link", name=person).click()
    if section:
        sections = page.get_by_role("navigation", name="Sections")
        await sections.get_by_role("link", name=section).click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(person)


async def attendance_is(page: Page, name: str, days: list[date]) -> None:
    """The month of the latest lesson: each of its marks by letter and name, and the counts."""
    month = days[-1].replace(day=1)
    shown = [s for day, s in zip(days, STATUSES[name], strict=True) if day >= month]

    async def marked() -> bool | None:
        await page.reload()
        letters = await page.locator(".visit .mark").all_inner_texts()
        return True if letters == [LETTERS[s] for s in shown] else None

    await poll_until(marked, within=WITHIN, what=f"{name}'s marks in the portal")
    for status in set(shown):
        counts = page.get_by_role("list", name="This month")
        expected = f"{status.capitalize()}: {shown.count(status)}"
        await expect(counts).to_contain_text(expected)


async def test_a_parent_uses_every_portal_page_on_a_phone(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
    smtp: SmtpCatcher,
    code_inbox: CodeInbox,  # noqa: F811
) -> None:
    s = await scene(gateway, smtp, code_inbox)
    kids, owner, me = s["kids"], s["owner"], s["me"]
    page = await new_page(browser, system.gateway_url, viewport=PHONE)
    await page.goto(f"/my/signin?org={s['org']}")
    await page.get_by_label("Phone or email").fill(s["login"])
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(re.compile(r"/my$"))
    await until_shown(page, "Jan", "the family in the switcher")

    # Attendance: Jan's, then Ola's on the same page after the switch.
    await choose(page, "Jan", "Attendance")
    await attendance_is(page, "Jan", s["days"])
    await choose(page, "Ola")
    assert "/my/attendance" in page.url
    await attendance_is(page, "Ola", s["days"])
    assert await accessibility_problems(page) == []
    await screenshot(page, "portal-attendance")

    # Payments: Ola owes 400 less 150; Jan paid his 400.
    await (
        page.get_by_role("navigation", name="Sections").get_by_role("link", name="Payments").click()
    )
    await until_shown(page, "150.00", "Ola's payment in the portal")
    balance = page.get_by_role("region", name="Balance").locator(".big")
    await expect(balance).to_have_attribute("data-minor", "-25000")
    await expect(balance).to_contain_text("250.00")
    await expect(page.get_by_role("region", name="To pay")).to_contain_text("Piano x 8")
    await expect(page.get_by_role("region", name="Invoices")).to_contain_text("400.00")
    assert await accessibility_problems(page) == []
    await screenshot(page, "portal-payments")
    await choose(page, "Jan")
    await until_shown(page, "400.00", "Jan's payment in the portal")
    await expect(balance).to_have_attribute("data-minor", "0")
    await expect(page.get_by_role("region", name="Payment history")).to_contain_text("400.00")

    # Messages: Anna's inbox has the school's message; reading it leaves none unread.
    await choose(page, "Anna", "Messages")
    await until_shown(page, "Concert on Friday", "the school's message in the inbox")
    before = await ok(gateway.get(f"{P}/messages", headers=me))
    unread = page.locator("#unread")
    await expect(unread).to_have_text(re.compile(rf"^{before['unread']} unread messages?$"))
    await screenshot(page, "portal-messages")
    await page.get_by_role("button", name=re.compile("Mark as read.*Concert on Friday")).click()
    after = await ok(gateway.get(f"{P}/messages", headers=me))
    assert after["unread"] == before["unread"] - 1
    concert = [m for m in after["items"] if m["subject"] == "Concert on Friday"]
    assert [m["read"] for m in concert] == [True]
    if after["unread"]:
        await expect(unread).to_have_text(re.compile(rf"^{after['unread']} unread messages?$"))
    else:
        await expect(unread).to_have_text("Everything is read.")

    # A make-up for Jan's excused lesson, into Piano 2's free seat.
    await choose(page, "Jan", "Make-ups")
    await page.get_by_role("link", name=re.compile("Find a seat")).click()
    await expect(page.get_by_role("main")).to_contain_text("Piano 2")
    await screenshot(page, "portal-seats")
    await page.get_by_role("button", name=re.compile("Book")).click()
    await expect(page.get_by_role("main").get_by_role("status")).to_contain_text("Asked for")

    async def confirmed() -> bool | None:
        await page.reload()
        return True if await page.locator(".pill.state-booked").count() == 1 else None

    await poll_until(confirmed, within=WITHIN, what="the journal to confirm the make-up")
    await expect(page.locator("ul.rows li").first).to_contain_text(re.compile(r"Piano 2 \(for "))
    await screenshot(page, "portal-makeups")
    booked = await ok(gateway.get(f"{J}/lessons/{s['seat']['id']}/marks", headers=owner))
    excused = s["marks"]["Jan"][2]
    assert [(m["client_id"], m["status"], m["makeup_of"]) for m in booked["items"]] == [
        (kids["Jan"]["id"], "planned", excused["id"])
    ]

    # A profile change for Ola with a new email: it waits for the code sent to that address,
    # then staff see exactly the change asked for.
    new_email = f"ola-{uuid.uuid4().hex[:6]}@mail.example.com"
    await choose(page, "Ola", "Profile")
    await page.get_by_label("Last name").fill("Kowalska")
    await page.get_by_label("Email", exact=True).fill(new_email)
    await page.get_by_role("button", name="Send the change").click()
    await expect(page.get_by_role("main").get_by_role("status")).to_contain_text("We sent a code")
    await expect(page.locator(".pill.state-confirming")).to_have_count(1)

    mail = await letter_to(smtp, new_email, "the code's letter to the new email")
    found = re.search(r"\b([0-9]{6})\b", text_of(mail))
    assert found is not None, text_of(mail)
    code = found.group(1)
    await page.get_by_label(f"Code sent to {new_email}").fill(code)
    await screenshot(page, "portal-profile-code")
    await page.get_by_role("button", name="Confirm").click()
    await expect(page.get_by_role("main").get_by_role("status")).to_contain_text("Confirmed.")

    async def staff_see() -> list[Any] | None:
        found = await ok(gateway.get("/api/v1/clients/profile-requests", headers=owner))
        mine = [r for r in found["items"] if r["client_id"] == kids["Ola"]["id"]]
        return mine or None

    [change] = await poll_until(staff_see, within=WITHIN, what="staff to see the request")
    assert change["changes"] == {"last_name": "Kowalska", "email": new_email}
    await screenshot(page, "portal-profile")

    # No reminders by email: for Anna herself, then for Ola.
    for person in ("Anna", "Ola"):
        await choose(page, person, "Notifications")
        reminders = page.get_by_role("group", name=re.compile("Reminders"))
        await reminders.get_by_label("Email").uncheck()
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("main").get_by_role("status")).to_have_text("Saved.")
        client = s["anna"] if person == "Anna" else kids["Ola"]
        opt_outs = await ok(gateway.get(f"{NO}/clients/{client['id']}/opt-outs", headers=owner))
        assert [(o["category"], o["channel"]) for o in opt_outs["items"]] == [
            ("reminders", "email")
        ]
    await screenshot(page, "portal-preferences")
    await (
        page.get_by_role("navigation", name="Sections")
        .get_by_role("link", name="Knowledge centre")
        .click()
    )
    await expect(page.get_by_role("main")).to_contain_text("Scales to practise")
    await screenshot(page, "portal-knowledge")
    await choose(page, "Ola", "Overview")
    await screenshot(page, "portal-overview-phone")
    assert page.errors == []  # type: ignore[attr-defined]

    # Every page in every language, nothing left untranslated (WEB_MARK_UNTRANSLATED is on).
    cookies = await page.context.cookies()
    for lang in ("en", "ru", "pl", "uk"):
        other = await new_page(browser, system.gateway_url, locale=lang, viewport=PHONE)
        await other.context.add_cookies(cookies)  # type: ignore[arg-type]
        for path in SECTIONS:
            response = await other.goto(f"{path}?client={kids['Ola']['id']}")
            assert response is not None
            assert response.status == 200, (lang, path)
            assert await other.get_attribute("html", "lang") == lang
            text = await other.locator("body").inner_text()
            assert "\u27e6" not in text, (lang, path, re.findall("\u27e6[^\u27e7]*\u27e7", text))
            if path == "/my/payments":
                # The invoice of Ola's pack: the pack's name and its period in this language.
                period = " \u2013 ".join(
                    format_date(date.fromisoformat(d), "medium", locale=lang) for d in s["period"]
                )
                to_pay = other.locator("#due-h + p + ul")
                await expect(to_pay).to_contain_text(f"Piano x 8: {period}")
                assert lang == "en" or " to " not in text
                await screenshot(other, f"portal-payments-{lang}")
        await other.context.close()
