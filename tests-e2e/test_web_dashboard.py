"""The figures page in a real browser: what was sold and paid this month and last, by
service and branch, the groups' fill rate and attendance, and the teachers' pay, as the
owner sees it and as a teacher does (their own group and pay only); in every language, with
charts that also stand as tables, and no serious accessibility problem."""

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
B = "/api/v1/billing"


async def until_known(api: Api, method: str, path: str, body: Any, what: str) -> Any:
    """A call naming something another service is still learning of (a new client or staff
    member: 404 or 422 until its event arrives)."""

    async def probe() -> Any:
        response = await api.gateway.request(
            method,
            path,
            json=body,
            headers=api.headers | {"Idempotency-Key": uuid.uuid4().hex},
        )
        if response.status_code in (404, 422):
            return None
        assert response.status_code < 300, response.text
        return response.json() if response.content else {}

    return await poll_until(probe, within=WITHIN, what=what)


async def a_school_with_a_month(gateway: httpx.AsyncClient) -> dict[str, Any]:
    """Two groups, three clients, two packs sold and paid in parts, marks and a teacher."""
    api, signed_up, email = await school(gateway, "Figures school")
    branch = signed_up["branch"]["id"]
    today = school_today()
    first = today.replace(day=1)
    last_month_day = first - timedelta(days=3)
    groups = {}
    for name, capacity in (("Piano", 5), ("Drums", 2)):
        groups[name] = await api.post(
            f"{J}/groups",
            {"name": name, "branch_id": branch, "capacity": capacity, "starts_on": str(first)},
        )
    teacher_email = f"teacher-{uuid.uuid4().hex[:8]}@school.example.com"
    teacher = await api.post(
        "/api/v1/identity/staff",
        {
            "email": teacher_email,
            "name": "Tomasz Teacher",
            "role": "teacher",
            "password": PASSWORD,
            "grants": [{"scope": "group", "scope_id": groups["Piano"]["id"]}],
        },
    )
    accountant_email = f"accountant-{uuid.uuid4().hex[:8]}@school.example.com"
    await api.post(
        "/api/v1/identity/staff",
        {
            "email": accountant_email,
            "name": "Anna Accountant",
            "role": "accountant",
            "password": PASSWORD,
            "grants": [{"scope": "branch", "scope_id": branch}],
        },
    )
    await until_known(
        api,
        "POST",
        f"{J}/teachers/{teacher['id']}/rates",
        {"effective_from": str(today), "per_lesson_minor": 5000, "per_attendee_minor": 1000},
        "the journal to learn the teacher",
    )
    services = {}
    for name, price, classes in (("Piano x 8", 32000, 8), ("Drums x 4", 20000, 4)):
        services[name] = await api.post(
            f"{B}/catalogue",
            {
                "kind": "pack",
                "name": name,
                "price_minor": price,
                "classes": classes,
                "period": {"unit": "month", "count": 2},
            },
        )
    clients = {}
    for first_name, group, phone in (
        ("Ada", "Piano", "+48601200701"),
        ("Bob", "Piano", "+48601200702"),
        ("Cy", "Drums", "+48601200703"),
    ):
        client = await api.post(
            "/api/v1/clients/clients",
            {
                "first_name": first_name,
                "last_name": "Figurska",
                "phone": phone,
                "branch_id": branch,
            },
        )
        await api.enrol(groups[group]["id"], client["id"], str(first))
        clients[first_name] = client

    # Sold this month: 320 + 320 + 200 = 840. Received: Ada's 320 with the sale, Cy's 150
    # this month and 50 dated last month. Owed at the month's end: Bob's 320.
    sales = (
        ("Ada", "Piano", "Piano x 8", {"payment_mode": "paid", "method": "cash"}),
        ("Bob", "Piano", "Piano x 8", {"payment_mode": "credit"}),
        ("Cy", "Drums", "Drums x 4", {"payment_mode": "credit"}),
    )
    for who, group, service, mode in sales:
        sale = {
            "service_id": services[service]["id"],
            "group_id": groups[group]["id"],
            "starts_on": str(first),
            **mode,
        }
        await until_known(
            api,
            "POST",
            f"{B}/clients/{clients[who]['id']}/packs",
            sale,
            "billing to learn the client",
        )
    cy = clients["Cy"]["id"]
    await api.post(
        f"{B}/clients/{cy}/payments",
        {"amount_minor": 15000, "method": "card"},
        **{"Idempotency-Key": uuid.uuid4().hex},
    )
    await api.post(
        f"{B}/clients/{cy}/payments",
        {"amount_minor": 5000, "method": "cash", "paid_on": str(last_month_day)},
        **{"Idempotency-Key": uuid.uuid4().hex},
    )

    # One lesson each today at midnight (held whenever the test runs; a rate starts today at
    # the earliest): the teacher's Piano lesson with Ada there and Bob absent pays 50 + 10.
    piano = await until_known(
        api,
        "POST",
        f"{J}/groups/{groups['Piano']['id']}/lessons",
        {
            "lesson_date": str(today),
            "starts_at": "00:00",
            "duration_minutes": 60,
            "teacher_id": teacher["id"],
        },
        "the journal to learn the teacher",
    )
    drums = await api.post(
        f"{J}/groups/{groups['Drums']['id']}/lessons",
        {"lesson_date": str(today), "starts_at": "00:00", "duration_minutes": 45},
    )
    for lesson, who, status in (
        (piano, "Ada", "attended"),
        (piano, "Bob", "absent"),
        (drums, "Cy", "attended"),
    ):
        await api.call(
            "PUT", f"{J}/lessons/{lesson['id']}/marks/{clients[who]['id']}", {"status": status}
        )
    return {
        "email": email,
        "teacher_email": teacher_email,
        "accountant_email": accountant_email,
        "branch": signed_up["branch"]["name"],
        "today": today,
        "first": first,
        "last_month": last_month_day.replace(day=1),
    }


def row(page: Page, table: str, name: str) -> Any:
    return page.locator(f"#table-{table} tbody tr").filter(
        has=page.get_by_role("rowheader", name=name, exact=True)
    )


async def test_the_owner_sees_the_months_money_and_a_teacher_only_their_own(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    scene = await a_school_with_a_month(gateway)
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, scene["email"])
    await (
        page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Figures").click()
    )
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Figures")

    await expect(page.locator("#fig-revenue")).to_have_text("PLN840.00")
    await expect(page.locator("#fig-received")).to_have_text("PLN470.00")
    await expect(page.locator("#fig-debt")).to_have_text("PLN320.00")
    this_month = row(page, "months", f"{scene['first']:%B %Y}")
    await expect(this_month.locator("td")).to_have_text(
        ["PLN840.00", "PLN470.00", "PLN320.00", "1"]
    )
    last_month = row(page, "months", f"{scene['last_month']:%B %Y}")
    await expect(last_month.locator("td")).to_have_text(["PLN0.00", "PLN50.00", "PLN0.00", "0"])

    # by service, group and branch: this month, last month and the change, for revenue,
    # money received and (by branch) debts
    piano = row(page, "service", "Piano x 8").locator("td")
    await expect(piano.nth(0)).to_have_text("PLN640.00")
    await expect(piano.nth(1)).to_have_text("PLN0.00")
    await expect(piano.nth(2)).to_have_text("+PLN640.00")
    await expect(row(page, "service", "Drums x 4").locator("td").nth(0)).to_have_text("PLN200.00")
    await expect(row(page, "group", "Piano").locator("td").nth(0)).to_have_text("PLN640.00")
    await expect(row(page, "group", "Drums").locator("td").nth(0)).to_have_text("PLN200.00")
    # Cy's payments, this month and last: both months' money received at the branch
    # (Bob's debt at his home branch last)
    await expect(row(page, "branch", scene["branch"]).locator("td")).to_have_text(
        [
            "PLN840.00",
            "PLN0.00",
            "+PLN840.00",
            "PLN470.00",
            "PLN50.00",
            "+PLN420.00",
            "PLN320.00",
            "PLN0.00",
            "+PLN320.00",
        ]
    )
    by_month = row(page, "branch-months", scene["branch"]).locator("td")
    await expect(by_month).to_have_count(6)
    await expect(by_month.nth(5)).to_have_text("PLN840.00")  # revenue unless asked
    await (
        page.get_by_role("navigation", name="By branch: show by month")
        .get_by_role("link", name="Money received")
        .click()
    )
    await expect(by_month.nth(4)).to_have_text("PLN50.00")
    await expect(by_month.nth(5)).to_have_text("PLN470.00")
    await expect(by_month.nth(3)).to_have_text("PLN0.00")

    # groups: least filled first; fill rate = enrolled / seats, attendance per held lesson
    groups = page.locator("#table-groups tbody tr")
    await expect(groups).to_have_count(2)
    await expect(groups.nth(0).locator("th")).to_have_text("Piano")
    await expect(row(page, "groups", "Piano").locator("td")).to_have_text(
        [scene["branch"], "2", "5", "40%", "1", "1", "50%", "—"]
    )
    await expect(row(page, "groups", "Drums").locator("td")).to_have_text(
        [scene["branch"], "1", "2", "50%", "1", "1", "100%", "—"]
    )
    await expect(row(page, "pay", "Tomasz Teacher").locator("td")).to_have_text(
        ["1", "1", "1", "PLN60.00"]
    )
    # every chart is drawn, and each has its table
    for chart in ("months", "branch", "service", "groups", "pay"):
        canvas = page.locator(f"#chart-{chart}")
        await expect(canvas).to_have_attribute("role", "img")
        assert await canvas.evaluate("c => window.Chart.getChart(c) !== undefined"), chart
        await expect(page.locator(f"#table-{chart}")).to_be_visible()
    assert await accessibility_problems(page) == []
    assert page.errors == []  # type: ignore[attr-defined]
    await screenshot(page, "dashboard")

    # another period for pay: the day after the lesson, so nobody was paid
    tomorrow = str(scene["today"] + timedelta(days=1))
    await page.get_by_label("From").fill(tomorrow)
    await page.get_by_label("Until").fill(tomorrow)
    await page.get_by_role("button", name="Show").last.click()
    await expect(page.get_by_text("No lessons held in this period.")).to_be_visible()
    await expect(page.locator("#table-pay")).to_have_count(0)

    teacher = await new_page(browser, system.gateway_url)
    await sign_in(teacher, scene["teacher_email"])
    await (
        teacher.get_by_role("navigation", name="Main menu")
        .get_by_role("link", name="Figures")
        .click()
    )
    await expect(teacher.locator("#table-groups tbody tr")).to_have_count(1)
    await expect(row(teacher, "groups", "Piano")).to_be_visible()
    await expect(teacher.locator("#table-pay tbody tr")).to_have_count(1)
    await expect(row(teacher, "pay", "Tomasz Teacher").locator("td").last).to_have_text("PLN60.00")
    await expect(teacher.locator("#fig-revenue")).to_have_count(0)  # no organisation money
    await expect(teacher.locator("#table-service")).to_have_count(0)
    assert teacher.errors == []  # type: ignore[attr-defined]
    await screenshot(teacher, "dashboard-teacher")

    # an accountant may not read the staff list: the journal names the teacher
    accountant = await new_page(browser, system.gateway_url)
    await sign_in(accountant, scene["accountant_email"])
    await accountant.goto("/app/figures")
    await expect(accountant.locator("#fig-revenue")).to_have_text("PLN840.00")
    await expect(row(accountant, "pay", "Tomasz Teacher").locator("td").last).to_have_text(
        "PLN60.00"
    )


async def test_the_figures_page_answers_in_every_language(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    scene = await a_school_with_a_month(gateway)
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, scene["email"])
    words = {"en": "Revenue", "ru": "Выручка", "pl": "Przychód", "uk": "Виручка"}
    for lang, word in words.items():
        await page.goto("/app/figures")
        await page.locator(f"footer button[value={lang}]").click()
        await page.goto("/app/figures")
        html = await page.content()
        assert f'<html lang="{lang}">' in html
        assert "\u27e6" not in html, f"{lang}: {re.findall(r'⟦[^⟧]*⟧', html)[:5]}"
        assert word in html, lang
        assert page.errors == []  # type: ignore[attr-defined]
        await screenshot(page, f"dashboard-{lang}")
    response = await page.goto("/app/figures?month=2026-13&pay_from=soon")
    assert response is not None
    assert response.status == 400
    assert await page.get_by_role("alert").count() == 2
