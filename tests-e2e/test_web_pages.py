"""The front-end as people meet it, in Debian's Chromium through the gateway: an owner signs
up and walks the four-step path by clicking; a teacher sees only their own groups; every page
answers in en, ru, pl and uk with no text left untranslated."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.async_api import Browser, Page, expect

from crm_devrun.system import System

from .browser import (
    PASSWORD,
    Api,
    accessibility_problems,
    billing_knows,
    browser,  # noqa: F401 - the fixture
    new_page,
    school,
    school_today,
    screenshot,
    sign_in,
)

J = "/api/v1/journal"


async def menu(page: Page) -> list[str]:
    nav = page.get_by_role("navigation", name=re.compile("."))
    return [t.strip() for t in await nav.first.get_by_role("link").all_inner_texts()]


async def test_an_owner_signs_up_and_walks_the_four_steps(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    page = await new_page(browser, system.gateway_url)
    email = f"olga-{uuid.uuid4().hex[:8]}@school.example.com"
    await page.goto("/")
    await page.get_by_role("link", name="Create an organisation").click()
    await page.get_by_label("Name", exact=True).fill("Four steps school")
    await page.get_by_label("Currency").select_option("PLN")
    await page.get_by_label("Time zone").select_option("Europe/Warsaw")
    await page.get_by_label("Your name").fill("Olga")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create").click()
    await expect(page.get_by_role("heading", name="Getting started")).to_be_visible()
    menu_items = [
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
    assert await menu(page) == menu_items
    await expect(page.locator(".step.todo")).to_have_count(4)

    # 1. add a client (the guide's first step)
    await page.get_by_role("link", name="Next step: Add clients").click()
    await page.get_by_label("First name").fill("Marta")
    await page.get_by_label("Last name").fill("Nowak")
    await page.get_by_label("Phone").fill("+48 601 200 300")
    await page.get_by_label("Language of messages").select_option("pl")
    await page.get_by_role("button", name="Save the client").click()
    await expect(page.get_by_role("main").get_by_role("status")).to_contain_text(
        "The client is saved."
    )

    # 2. add a service: the catalogue's empty state says what to do (billing learns the new
    # organisation from identity's event: until then it asks to try again in a moment)
    api = Api(gateway, await token_of(gateway, email))
    await billing_knows(api)
    await page.get_by_role("link", name="Catalogue").first.click()
    await expect(page.get_by_text("Step 2 of 4")).to_be_visible()
    await page.get_by_label("Name", exact=True).fill("Singing x 8")
    await page.get_by_label("Price (PLN)").fill("320")
    await page.get_by_role("button", name="Add the service").click()
    await expect(page.get_by_role("row", name=re.compile("Singing x 8"))).to_contain_text("8")

    # 3. assign it: sell the pack from the client's card
    await (
        page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Clients").click()
    )
    await page.get_by_role("link", name="Nowak Marta").click()
    await page.get_by_label("Payment", exact=True).select_option("credit")
    await page.get_by_role("button", name="Sell the pack").click()
    await expect(page.get_by_role("main").get_by_role("status")).to_have_text("The pack is sold.")
    await expect(page.locator("#balance")).to_have_text("-PLN320.00")

    # 4. record the payment with the wizard
    await page.get_by_role("link", name="Record a payment").click()
    await page.get_by_label("Amount (PLN)").fill("320,00")
    await page.get_by_label("Method").select_option("card")
    await page.get_by_role("button", name="Record the payment").click()
    await expect(page.get_by_role("main").get_by_role("status")).to_have_text("Payment recorded.")
    await expect(page.locator("#balance")).to_have_text("PLN0.00")

    problems = await accessibility_problems(page)  # the client card
    assert problems == []

    # The card edited: a new phone, messages in Ukrainian, the note cleared; only that is sent.
    card_url = page.url
    marta_id = card_url.rsplit("/", 1)[-1].split("?")[0]
    await page.get_by_role("link", name="Edit the card").click()
    await expect(page.get_by_label("Language of messages")).to_have_value("pl")
    await page.get_by_label("Phone").fill("+48 601 200 301")
    await page.get_by_label("Language of messages").select_option("uk")
    await page.get_by_role("button", name="Save the card").click()
    await expect(page.get_by_role("main").get_by_role("status")).to_have_text("The card is saved.")
    marta = await api.call("GET", f"/api/v1/clients/clients/{marta_id}")
    assert (marta["phone"], marta["locale"], marta["first_name"]) == ("+48601200301", "uk", "Marta")
    # Someone else changes the card while the form is open: nothing of theirs is overwritten.
    await page.get_by_role("link", name="Edit the card").click()
    await api.call(
        "PATCH",
        f"/api/v1/clients/clients/{marta_id}",
        {"note": "Prefers mornings"},
        **{"If-Match": str(marta["version"])},
    )
    await page.get_by_label("Last name").fill("Kowalska")
    await page.get_by_role("button", name="Save the card").click()
    await expect(page.get_by_role("alert")).to_contain_text("Someone changed this card")
    await expect(page.get_by_label("Note")).to_have_value("Prefers mornings")
    await screenshot(page, "client-edit")
    marta = await api.call("GET", f"/api/v1/clients/clients/{marta_id}")
    assert (marta["last_name"], marta["note"]) == ("Nowak", "Prefers mornings")
    await page.goto(card_url)
    await page.get_by_role("link", name="Start").click()
    await expect(page.locator(".step.done")).to_have_count(4)
    await expect(page.get_by_text("All four steps are done.")).to_be_visible()
    assert page.errors == []  # type: ignore[attr-defined]
    await screenshot(page, "four-steps")

    # Sign-out ends the session: the refresh token is revoked, the pages ask to sign in.
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.goto("/app/clients")
    await expect(page).to_have_url(re.compile(r"/app/signin\?next=/app/clients"))


async def token_of(gateway: httpx.AsyncClient, email: str) -> str:
    response = await gateway.post("/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def test_a_teacher_sees_only_their_groups(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, signed_up, _ = await school(gateway, "Two groups school")
    branch = signed_up["branch"]["id"]
    start = str(school_today().replace(day=1))
    groups = {}
    for name, first_name, phone in (
        ("Piano", "Ada", "+48601200401"),
        ("Drums", "Bob", "+48601200402"),
    ):
        group = await api.post(
            f"{J}/groups", {"name": name, "branch_id": branch, "starts_on": start}
        )
        client = await api.post(
            "/api/v1/clients/clients",
            {"first_name": first_name, "last_name": "Kowalski", "phone": phone},
        )
        await api.enrol(group["id"], client["id"], start)
        await api.post(
            f"{J}/groups/{group['id']}/lessons",
            # at midnight: begun whenever the test runs, so the teacher may mark it attended
            {"lesson_date": start, "starts_at": "00:00", "duration_minutes": 45},
        )
        groups[name] = group
    email = f"teacher-{uuid.uuid4().hex[:8]}@school.example.com"
    await api.post(
        "/api/v1/identity/staff",
        {
            "email": email,
            "name": "Tomasz Teacher",
            "role": "teacher",
            "password": PASSWORD,
            "grants": [{"scope": "group", "scope_id": groups["Piano"]["id"]}],
        },
    )

    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    # no start guide, no catalogue, no leads, staff or settings
    assert await menu(page) == ["Journal", "Clients", "My tasks", "Figures"]
    await expect(page.get_by_role("heading", name="Groups")).to_be_visible()
    await expect(page.locator(".cards li")).to_have_count(1)
    await expect(page.get_by_role("link", name="Piano", exact=True)).to_be_visible()
    await expect(page.get_by_role("heading", name="New group")).to_have_count(0)

    await (
        page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Clients").click()
    )
    rows = page.locator("table.list tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Kowalski Ada")
    await page.get_by_label("Name, phone or email").fill("Bob")
    await page.get_by_role("button", name="Find").click()
    await expect(page.get_by_text("Nobody matches these filters.")).to_be_visible()

    await page.goto(f"/app/groups/{groups['Piano']['id']}/journal")
    await expect(page.locator("tbody tr")).to_have_count(1)
    await page.locator("td.cell button").first.click()  # a teacher marks their group
    await expect(page.locator("td.cell").first).to_have_attribute("data-status", "attended")
    await page.goto(f"/app/groups/{groups['Drums']['id']}/journal")
    await expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert page.errors == []  # type: ignore[attr-defined]
    await screenshot(page, "teacher")


async def test_every_page_answers_in_every_language(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    """The system runs with WEB_MARK_UNTRANSLATED on: a text missing from a catalogue would
    show as ⟦text⟧. Each language is the person's own choice, made in the footer."""
    api, signed_up, email = await school(gateway, "Languages school")
    start = school_today().replace(day=1)
    group = await api.post(
        f"{J}/groups",
        {"name": "Choir", "branch_id": signed_up["branch"]["id"], "starts_on": str(start)},
    )
    client = await api.post(
        "/api/v1/clients/clients",
        {
            "first_name": "Ola",
            "last_name": "Lis",
            "phone": "+48601200500",
            "birthday": "2014-01-02",
        },
    )
    await api.enrol(group["id"], client["id"], str(start))
    lesson = await api.post(
        f"{J}/groups/{group['id']}/lessons",
        {"lesson_date": str(start), "starts_at": "10:00", "duration_minutes": 45},
    )
    await api.call("PUT", f"{J}/lessons/{lesson['id']}/marks/{client['id']}", {"status": "excused"})
    await api.post(
        "/api/v1/billing/catalogue",
        {
            "kind": "subscription",
            "name": "Choir monthly",
            "price_minor": 10000,
            "classes": 4,
            "period": {"unit": "month", "count": 1},
            "billing": "prepaid",
        },
    )
    pages = [
        "/app",
        "/app/groups",
        f"/app/groups/{group['id']}/journal",
        f"/app/groups/{group['id']}/enrol?month={start:%Y-%m}",
        f"/app/groups/{group['id']}/rows/{client['id']}/actions",
        "/app/clients",
        "/app/clients?q=nobody",
        "/app/clients/new",
        f"/app/clients/{client['id']}",
        f"/app/clients/{client['id']}/edit",
        f"/app/clients/{client['id']}/payment",
        "/app/catalogue",
        "/app/figures",
        "/app/groups/00000000-0000-7000-8000-000000000000/journal",
    ]
    public = ["/app/signin", "/app/signup", "/app/password-reset", "/app/invite?token=x"]
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    expected_words = {"en": "Journal", "ru": "Журнал", "pl": "Dziennik", "uk": "Журнал"}
    for lang, word in expected_words.items():
        await page.goto("/app")
        await page.locator(f"footer button[value={lang}]").click()
        for path in pages:
            response = await page.goto(path)
            assert response is not None
            html = await page.content()
            assert "\u27e6" not in html, f"{lang} {path}: {re.findall(r'⟦[^⟧]*⟧', html)[:5]}"
            if "/rows/" not in path:  # a whole page, not a dialog's fragment
                assert f'<html lang="{lang}">' in html, path
                assert word in html, f"{lang} {path}"
    for lang in expected_words:  # before signing in: the browser's language
        anonymous = await new_page(browser, system.gateway_url, locale=lang)
        for path in public:
            await anonymous.goto(path)
            html = await anonymous.content()
            assert f'<html lang="{lang}">' in html, path
            assert "\u27e6" not in html, f"{lang} {path}"
    await page.goto(f"/app/groups/{group['id']}/journal")
    assert await accessibility_problems(page) == []
    await screenshot(page, "journal-uk")
