"""The staff's day outside the journal, in Debian's Chromium through the gateway: the leads
pipeline, "my tasks", staff and their grants, the organisation's settings; who may see them,
and every one of these pages in en, ru, pl and uk."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
from playwright.async_api import Browser, Page, expect

from crm_devrun.processes import poll_until
from crm_devrun.system import System

from .browser import (
    PASSWORD,
    accessibility_problems,
    browser,  # noqa: F401 - the fixture
    main_menu,
    new_page,
    school,
    school_today,
    screenshot,
    sign_in,
)
from .test_portal import CodeInbox, code_inbox  # noqa: F401 - the fixture

CL = "/api/v1/clients"
ID = "/api/v1/identity"
J = "/api/v1/journal"


async def menu(page: Page) -> list[str]:
    nav = page.get_by_role("navigation", name="Main menu")
    return [t.strip() for t in await nav.get_by_role("link").all_inner_texts()]


def notice(page: Page) -> Any:
    return page.get_by_role("main").get_by_role("status")


async def test_an_owner_works_a_lead_into_a_client_and_their_tasks_for_today(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, signed_up, email = await school(gateway, "Leads school")
    main_branch = signed_up["branch"]["id"]
    north = await api.post(f"{ID}/branches", {"name": "North"})
    piotr = {"first_name": "Piotr", "last_name": "Phone", "source": "phone"}

    phoned = await api.post(f"{CL}/leads", piotr | {"branch_id": north["id"]})
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    assert await menu(page) == [
        "Start",
        "Journal",
        "Clients",
        "Rooms",
        "My tasks",
        "Leads",
        "Catalogue",
        "Packs",
        "Invoices",
        "Figures",
        "Messages",
        "Knowledge centre",
        "Staff",
        "Settings",
    ]

    await main_menu(page, "Leads")
    await page.get_by_label("First name").fill("Anna")
    await page.get_by_label("Last name").fill("Lead")
    await page.get_by_label("Phone").fill("+48 601 300 400")
    await page.locator("#nl-source").fill("web form")
    await page.locator("#nl-branch").select_option(label="Main branch")
    await page.get_by_role("button", name="Add the lead").click()
    await expect(notice(page)).to_have_text("The lead is saved.")
    new = page.get_by_role("region", name=re.compile(r"^New leads \("))
    anna = new.locator("li.lead", has_text="Anna Lead")
    await expect(anna).to_be_visible()

    await anna.get_by_label("Move to").select_option(label="Trial lesson")
    await anna.get_by_role("button", name="Move").click()
    await expect(notice(page)).to_have_text("The lead is moved.")
    trial = page.get_by_role("region", name=re.compile(r"^Trial lesson \("))
    await expect(trial.locator("li.lead", has_text="Anna Lead")).to_be_visible()
    await expect(new.locator("li.lead", has_text="Anna Lead")).to_have_count(0)

    # filters: by source, then by branch
    await page.locator("#lf-source").select_option("phone")
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator("li.lead")).to_have_count(1)
    await expect(page.locator("li.lead")).to_contain_text("Piotr Phone")
    await page.locator("#lf-source").select_option("")
    await page.locator("#lf-branch").select_option(label="Main branch")
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator("li.lead")).to_have_count(1)
    await expect(page.locator("li.lead")).to_contain_text("Anna Lead")
    await page.goto("/app/leads")

    card = page.locator("li.lead", has_text="Piotr Phone")
    await card.locator("summary").click()
    await card.get_by_label("Reason").fill("too far away")
    await card.get_by_role("button", name="Mark lost").click()
    await expect(notice(page)).to_have_text("The lead is marked lost.")
    closed = page.get_by_role("region", name="Closed leads")
    await expect(closed.get_by_role("row", name=re.compile("Piotr Phone"))).to_contain_text(
        "too far away"
    )
    lost = await api.call("GET", f"{CL}/leads/{phoned['id']}")
    assert (lost["status"], lost["lost_reason"]) == ("lost", "too far away")
    assert await accessibility_problems(page) == []
    await screenshot(page, "crm-leads")
    await page.set_viewport_size({"width": 390, "height": 844})  # a phone
    await screenshot(page, "crm-leads-phone")
    await page.set_viewport_size({"width": 1280, "height": 860})

    await (
        page.locator("li.lead", has_text="Anna Lead")
        .get_by_role("button", name="Convert to a client")
        .click()
    )
    await expect(page.get_by_role("heading", name=re.compile("Anna Lead"))).to_be_visible()
    await expect(notice(page)).to_contain_text("The client is saved.")
    found = await api.call("GET", f"{CL}/clients?q=Anna")
    assert [(c["first_name"], c["last_name"], c["phone"]) for c in found["items"]] == [
        ("Anna", "Lead", "+48601300400")
    ]
    client = found["items"][0]
    assert client["branch_id"] == main_branch
    won = await api.call("GET", f"{CL}/leads?status=won")
    assert [lead["client_id"] for lead in won["items"]] == [client["id"]]

    # my tasks: one overdue from yesterday, one added here for today, marked done
    owner_id = signed_up["owner"]["id"]
    yesterday = school_today() - timedelta(days=1)
    await api.post(
        f"{CL}/clients/{client['id']}/tasks",
        {"title": "Send the schedule", "due_date": str(yesterday), "assignee_id": owner_id},
    )
    await main_menu(page, "My tasks")
    overdue = page.get_by_role("region", name=re.compile("^Overdue"))
    await expect(overdue).to_contain_text("Send the schedule")
    await page.get_by_label("Task", exact=True).fill("Call Anna about the trial")
    await page.get_by_label("Kind").select_option("call")
    await page.get_by_label("Client").select_option(label="Lead Anna")
    await page.get_by_role("button", name="Add the task").click()
    await expect(notice(page)).to_have_text("The task is added.")
    today = page.get_by_role("region", name=re.compile("^Today"))
    item = today.get_by_role("listitem").filter(has_text="Call Anna about the trial")
    await expect(item.get_by_role("link", name="Anna Lead")).to_have_attribute(
        "href", f"/app/clients/{client['id']}"
    )
    assert await accessibility_problems(page) == []
    await screenshot(page, "crm-tasks")
    await item.get_by_role("button", name="Mark done").click()
    await expect(notice(page)).to_have_text("The task is done.")
    await expect(today.get_by_text("No tasks for today.")).to_be_visible()
    tasks = await api.call("GET", f"{CL}/clients/{client['id']}/tasks")
    statuses = {t["title"]: (t["status"], t["assignee_id"]) for t in tasks["items"]}
    assert statuses == {
        "Call Anna about the trial": ("done", owner_id),
        "Send the schedule": ("open", owner_id),
    }
    assert page.errors == []  # type: ignore[attr-defined]


async def test_an_owner_invites_a_teacher_and_grants_a_group_and_teachers_see_no_staff_pages(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, signed_up, email = await school(gateway, "Staff school")
    start = str(school_today().replace(day=1))
    piano = await api.post(
        f"{J}/groups", {"name": "Piano", "branch_id": signed_up["branch"]["id"], "starts_on": start}
    )
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await main_menu(page, "Staff")
    teacher_email = f"tina-{uuid.uuid4().hex[:8]}@school.example.com"
    await page.get_by_label("Name", exact=True).fill("Tina Teacher")
    await page.get_by_label("Email").fill(teacher_email)
    await page.get_by_label("Role").select_option("teacher")
    await page.get_by_role("button", name="Send the invitation").click()
    await expect(notice(page)).to_have_text("The invitation is sent.")
    row = page.get_by_role("row", name=re.compile("Tina Teacher"))
    await expect(row).to_contain_text("invited")
    people = await api.call("GET", f"{ID}/staff")
    tina = next(p for p in people["items"] if p["email"] == teacher_email)
    assert (tina["role"], tina["status"], tina["grants"]) == ("teacher", "invited", [])

    await row.get_by_role("link", name="Tina Teacher").click()
    await page.get_by_role("group", name="Groups (teachers)").get_by_label("Piano").check()
    await page.get_by_role("button", name="Save the access").click()
    await expect(notice(page)).to_have_text("The access is changed.")
    await expect(page.locator("#person-access")).to_contain_text("Piano")
    granted = await api.call("GET", f"{ID}/staff/{tina['id']}")
    assert granted["grants"] == [{"scope": "group", "scope_id": piano["id"]}]
    assert await accessibility_problems(page) == []
    await screenshot(page, "crm-staff-person")
    await page.get_by_role("link", name="Back to the staff").click()
    await screenshot(page, "crm-staff")

    # a teacher with a password: no Staff or Settings in the menu, and not the pages either
    other_email = f"tom-{uuid.uuid4().hex[:8]}@school.example.com"
    await api.post(
        f"{ID}/staff",
        {
            "email": other_email,
            "name": "Tom Teacher",
            "role": "teacher",
            "password": PASSWORD,
            "grants": [{"scope": "group", "scope_id": piano["id"]}],
        },
    )
    teacher = await new_page(browser, system.gateway_url)
    await sign_in(teacher, other_email)
    assert await menu(teacher) == ["Journal", "Clients", "My tasks", "Figures"]
    for path in ("/app/staff", f"/app/staff/{tina['id']}", "/app/settings"):
        response = await teacher.goto(path)
        assert response is not None
        assert response.status == 404, path
        await expect(teacher.get_by_role("heading", name="Not found")).to_be_visible()
    assert page.errors == []  # type: ignore[attr-defined]
    assert teacher.errors == []  # type: ignore[attr-defined]


async def test_settings_change_the_organisations_language_and_every_page_is_translated(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, _, email = await school(gateway, "Settings school")
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await main_menu(page, "Settings")
    await page.get_by_label("Quiet hours from").fill("21:00")
    await page.get_by_label("Quiet hours until").fill("08:00")
    await page.get_by_role("button", name="Save the notification settings").click()
    await expect(notice(page)).to_have_text("The notification settings are saved.")
    quiet = await api.call("GET", "/api/v1/notifications/settings")
    assert quiet["quiet_hours"] == {"start": "21:00", "end": "08:00"}
    await page.get_by_label("New branch").fill("North")
    await page.get_by_role("button", name="Add the branch").click()
    await expect(notice(page)).to_have_text("The branch is saved.")
    await page.get_by_label("Branch name").first.fill("Centre")
    await page.get_by_role("button", name="Rename").first.click()
    await expect(notice(page)).to_have_text("The branch is saved.")
    branches = await api.call("GET", f"{ID}/branches")
    assert sorted(b["name"] for b in branches["items"]) == ["Centre", "North"]

    await page.get_by_label("Time zone").select_option("Europe/Kyiv")
    await page.get_by_label("Language", exact=True).select_option("pl")
    await page.get_by_role("button", name="Save the settings").click()
    await expect(notice(page)).to_have_text("Ustawienia organizacji zostały zapisane.")
    assert await page.locator("html").get_attribute("lang") == "pl"
    await expect(page.get_by_label("Strefa czasowa")).to_have_value("Europe/Kyiv")
    org = await api.call("GET", f"{ID}/organisation")
    assert (org["locale"], org["time_zone"]) == ("pl", "Europe/Kyiv")
    assert await accessibility_problems(page) == []
    await screenshot(page, "crm-settings-pl")

    people = await api.call("GET", f"{ID}/staff")
    pages = [
        "/app/leads",
        "/app/tasks",
        "/app/staff",
        f"/app/staff/{people['items'][0]['id']}",
        "/app/settings",
    ]
    expected_words = {"en": "Leads", "ru": "Лиды", "pl": "Potencjalni klienci", "uk": "Ліди"}
    for lang, word in expected_words.items():
        await page.goto("/app/settings")
        await page.locator(f"footer button[value={lang}]").click()
        for path in pages:
            response = await page.goto(path)
            assert response is not None
            assert response.status == 200, path
            html = await page.content()
            assert "\u27e6" not in html, f"{lang} {path}: {re.findall(r'⟦[^⟧]*⟧', html)[:5]}"
            assert f'<html lang="{lang}">' in html, path
            assert word in html, f"{lang} {path}"
    await page.goto("/app/leads")
    await screenshot(page, "crm-leads-uk")
    assert page.errors == []  # type: ignore[attr-defined]


async def test_a_portal_sign_up_on_two_cards_is_linked_by_the_owner_and_then_signs_in(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
    code_inbox: CodeInbox,  # noqa: F811
) -> None:
    api, signed_up, email = await school(gateway, "Sign-up review school")
    org = signed_up["organisation"]["id"]
    phone = f"+48605{uuid.uuid4().int % 10**6:06d}"
    cards = [
        await api.post(f"{CL}/clients", {"first_name": n, "last_name": "Lis", "phone": phone})
        for n in ("Jan", "Ola")
    ]
    code = {"organisation_id": org, "login": phone, "purpose": "signup"}
    assert (await gateway.post("/auth/portal/codes", json=code)).status_code == 202
    signup = {
        "organisation_id": org,
        "login": phone,
        "code": await code_inbox.code_for(phone),
        "first_name": "Piotr",
        "last_name": "Lis",
        "password": PASSWORD,
    }
    assert (await gateway.post("/auth/portal/signup", json=signup)).status_code == 202

    async def waiting() -> list[Any] | None:
        found = (await api.call("GET", f"{CL}/portal-signups"))["items"]
        return found or None

    await poll_until(waiting, within=60.0, what="the sign-up to wait for review")
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await main_menu(page, "Leads")
    review = page.get_by_role("region", name="Portal sign-ups to review")
    await expect(review).to_contain_text("Piotr Lis")
    await screenshot(page, "portal-signup-review")
    await review.get_by_role("button", name=f"Link {phone} to Ola Lis").click()
    await expect(notice(page)).to_contain_text("The portal account is linked")
    await expect(page.get_by_role("region", name="Portal sign-ups to review")).to_have_count(0)
    password = {"organisation_id": org, "login": phone, "password": PASSWORD}

    async def signed_in() -> dict[str, Any] | None:
        answer = await gateway.post("/auth/portal/token", json=password)
        return answer.json() if answer.status_code == 200 else None

    tokens = await poll_until(signed_in, within=60.0, what="identity to link the account")
    me = await gateway.get(
        "/portal/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.json()["linked_client_id"] == cards[1]["id"]
