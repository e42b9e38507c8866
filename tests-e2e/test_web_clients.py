"""The clients list's filters in Debian's Chromium through the gateway: a card's tags and home
branch set on the new-client and edit forms (tags shown as chips), then status, tag, group,
debt and branch each narrowing the list to the clients that differ in it; a branch admin and a
teacher find no other branch's client through the branch filter, even one asked for by URL."""

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
    main_menu,
    new_page,
    school,
    school_today,
    screenshot,
    sign_in,
)

CL = "/api/v1/clients"
ID = "/api/v1/identity"
J = "/api/v1/journal"
B = "/api/v1/billing"


def notice(page: Page) -> Any:
    return page.get_by_role("main").get_by_role("status")


async def listed(page: Page) -> list[str]:
    """The names in the list, in order (none when nobody matches)."""
    rows = page.locator("table.list tbody th[scope=row]")
    return [" ".join(t.split()) for t in await rows.all_inner_texts()]


FILTERS = {"Status": "#f-status", "Tag": "#f-tag", "Group": "#f-group"}
FILTERS |= {"Balance": "#f-balance", "Branch": "#f-branch"}


async def find(page: Page, **chosen: str) -> list[str]:
    """The list after choosing these filters (by the option's text, the rest as they were)."""
    search = page.locator("form.filters")
    for name, option in chosen.items():
        await search.locator(FILTERS[name]).select_option(label=option)
    async with page.expect_navigation():
        await search.locator("button[type=submit]").click()
    return await listed(page)


async def until_found(api: Api, what: str, **params: str) -> None:
    """The clients service learns memberships and balances from the journal's and billing's
    events: the list's API is asked until it has caught up."""

    async def probe() -> bool | None:
        answer = await api.gateway.get(f"{CL}/clients", params=params, headers=api.headers)
        return True if answer.status_code == 200 and answer.json()["items"] else None

    await poll_until(probe, within=WITHIN, what=what)


async def staff(api: Api, role: str, grants: list[dict[str, str]]) -> str:
    email = f"{role}-{uuid.uuid4().hex[:8]}@school.example.com"
    body = {"email": email, "name": f"A {role}", "role": role, "password": PASSWORD}
    await api.post(f"{ID}/staff", body | {"grants": grants})
    return email


async def test_filters_narrow_the_list_and_keep_to_the_callers_branches(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, signed_up, email = await school(gateway, "Filters school")
    main = signed_up["branch"]["id"]
    north = (await api.post(f"{ID}/branches", {"name": "North"}))["id"]
    today = school_today()
    piano = await api.post(
        f"{J}/groups", {"name": "Piano", "branch_id": main, "starts_on": str(today)}
    )
    person = {"last_name": "Filtrowa"}
    bob = await api.post(f"{CL}/clients", person | {"first_name": "Bob", "branch_id": main})
    cy = await api.post(f"{CL}/clients", person | {"first_name": "Cy", "branch_id": north})
    dan = await api.post(f"{CL}/clients", person | {"first_name": "Dan", "branch_id": main})
    await api.enrol(piano["id"], bob["id"], str(today))
    freeze = {"until_date": str(today + timedelta(days=14)), "reason": "holiday"}
    await api.post(f"{CL}/clients/{dan['id']}/freeze", freeze)
    pack = await api.post(
        f"{B}/catalogue",
        {
            "kind": "pack",
            "name": "Piano x 4",
            "price_minor": 20000,
            "classes": 4,
            "period": {"unit": "month", "count": 1},
        },
    )

    async def sold() -> bool | None:
        answer = await gateway.post(
            f"{B}/clients/{cy['id']}/packs",
            json={"service_id": pack["id"], "payment_mode": "credit", "starts_on": str(today)},
            headers=api.headers | {"Idempotency-Key": uuid.uuid4().hex},
        )
        return True if answer.status_code == 201 else None

    await poll_until(sold, within=WITHIN, what="billing to learn Cy")
    await until_found(api, "Bob in Piano", group_id=piano["id"])
    await until_found(api, "Cy's debt", balance="negative")

    # Ada: a home branch and two tags on the new-client form, shown as chips on the card
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    await page.goto("/app/clients/new")
    await page.get_by_label("First name").fill("Ada")
    await page.get_by_label("Last name").fill("Filtrowa")
    await page.get_by_label("Home branch").select_option(label="Main branch")
    await page.get_by_label("Tags").fill("VIP,  Morning ,vip")
    await page.get_by_role("button", name="Save the client").click()
    await expect(notice(page)).to_contain_text("The client is saved.")
    chips = page.get_by_role("list", name="Tags")
    await expect(chips.get_by_role("listitem")).to_have_text(["Morning", "VIP"])
    await expect(page.locator(".facts")).to_contain_text("Main branch")
    ada_id = page.url.split("/app/clients/")[1].split("?")[0]

    # ...then moved to North and one tag taken off on the edit form
    await page.get_by_role("link", name="Edit the card").click()
    await expect(page.get_by_label("Tags")).to_have_value("Morning, VIP")
    await page.get_by_label("Tags").fill("VIP")
    await page.get_by_label("Home branch").select_option(label="North")
    await screenshot(page, "client-edit-tags")
    await page.get_by_role("button", name="Save the card").click()
    await expect(notice(page)).to_have_text("The card is saved.")
    await expect(chips.get_by_role("listitem")).to_have_text(["VIP"])
    ada = await api.call("GET", f"{CL}/clients/{ada_id}")
    assert ([t["name"] for t in ada["tags"]], ada["branch_id"]) == (["VIP"], north)
    tags = (await api.call("GET", f"{CL}/tags"))["items"]
    assert sorted(t["name"] for t in tags) == ["Morning", "VIP"]

    await main_menu(page, "Clients")
    everyone = ["Filtrowa Ada", "Filtrowa Bob", "Filtrowa Cy", "Filtrowa Dan"]
    assert sorted(await listed(page)) == everyone
    assert await find(page, Status="frozen") == ["Filtrowa Dan"]
    assert sorted(await find(page, Status="active and frozen", Tag="VIP")) == ["Filtrowa Ada"]
    assert await find(page, Tag="any", Group="Piano") == ["Filtrowa Bob"]
    assert await find(page, Group="any", Balance="in debt") == ["Filtrowa Cy"]
    assert sorted(await find(page, Balance="any", Branch="North")) == [
        "Filtrowa Ada",
        "Filtrowa Cy",
    ]
    assert sorted(await find(page, Branch="Main branch")) == ["Filtrowa Bob", "Filtrowa Dan"]
    assert await find(page, Status="frozen") == ["Filtrowa Dan"]  # filters combine
    assert "branch_id=" in page.url
    assert await accessibility_problems(page) == []
    await screenshot(page, "clients-filters")

    # a branch admin of North: no branch to choose, North's clients only, even asked for Main
    admin = await new_page(browser, system.gateway_url)
    await sign_in(admin, await staff(api, "admin", [{"scope": "branch", "scope_id": north}]))
    await main_menu(admin, "Clients")
    assert sorted(await listed(admin)) == ["Filtrowa Ada", "Filtrowa Cy"]
    await expect(admin.get_by_label("Branch", exact=True)).to_have_count(0)
    await admin.goto(f"/app/clients?branch_id={main}")
    assert await listed(admin) == []
    await expect(admin.get_by_text("Nobody matches these filters.")).to_be_visible()

    # a teacher of Piano (Main): Bob only; North asked for by URL shows nobody
    teacher = await new_page(browser, system.gateway_url)
    await sign_in(
        teacher, await staff(api, "teacher", [{"scope": "group", "scope_id": piano["id"]}])
    )
    await main_menu(teacher, "Clients")
    assert await listed(teacher) == ["Filtrowa Bob"]
    await expect(teacher.get_by_label("Branch", exact=True)).to_have_count(0)
    await teacher.goto(f"/app/clients?branch_id={north}")
    assert await listed(teacher) == []

    # the list and its filters in Polish
    await page.goto("/app/clients")
    await page.locator("footer button[value=pl]").click()
    await expect(page.locator("html")).to_have_attribute("lang", "pl")
    await expect(page.get_by_label("Oddział", exact=True)).to_be_visible()
    assert sorted(await find(page, Branch="North")) == ["Filtrowa Ada", "Filtrowa Cy"]
    assert "\u27e6" not in await page.content()
    await screenshot(page, "clients-filters-pl")
    await page.goto(f"/app/clients/{ada_id}")
    await expect(page.get_by_role("list", name="Tagi")).to_contain_text("VIP")
    await expect(page.locator(".facts")).to_contain_text(re.compile("Oddział macierzysty"))
    await screenshot(page, "client-card-tags-pl")
    for p in (page, admin, teacher):
        assert p.errors == []  # type: ignore[attr-defined]
