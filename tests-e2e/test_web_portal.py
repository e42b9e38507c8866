"""The client portal's pages in Debian's Chromium: a parent signs up with a code sent to the
phone on her card, signs in once the school's records link her, switches to her child and
sees the child's pack and next lesson; the overview passes axe-core; a personal link shows
the same overview without signing in."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from playwright.async_api import Browser, Page, expect

from crm_devrun.processes import poll_until
from crm_devrun.system import System

from .browser import (
    WITHIN,
    accessibility_problems,
    browser,  # noqa: F401 - the fixture
    new_page,
    school,
    school_today,
    screenshot,
)
from .test_portal import CodeInbox, code_inbox  # noqa: F401 - the fixture

J = "/api/v1/journal"
CLIENTS = "/api/v1/clients/clients"


async def test_a_parent_signs_up_and_sees_the_childs_pack_and_next_lesson(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
    code_inbox: CodeInbox,  # noqa: F811
) -> None:
    api, signed_up, _ = await school(gateway, "Portal pages school")
    org = signed_up["organisation"]["id"]
    today = school_today()
    phone = f"+48609{uuid.uuid4().int % 10**6:06d}"
    parent = await api.post(CLIENTS, {"first_name": "Anna", "last_name": "Nowak", "phone": phone})
    kid = await api.post(
        CLIENTS, {"first_name": "Ola", "last_name": "Nowak", "phone": "+48612000009"}
    )
    await api.post(f"{CLIENTS}/{parent['id']}/family", {"client_id": kid["id"]})
    since = str(today - timedelta(days=7))
    group = await api.post(
        f"{J}/groups",
        {"name": "Piano 1", "branch_id": signed_up["branch"]["id"], "starts_on": since},
    )
    await api.enrol(group["id"], kid["id"], since)
    await api.post(
        f"{J}/groups/{group['id']}/lessons",
        {
            "lesson_date": str(today + timedelta(days=2)),
            "starts_at": "17:00",
            "duration_minutes": 45,
        },
    )
    piano = await api.post(
        "/api/v1/billing/catalogue",
        {
            "kind": "pack",
            "name": "Piano x 8",
            "price_minor": 40_000,
            "classes": 8,
            "period": {"unit": "month", "count": 1},
        },
    )
    await api.post(
        f"/api/v1/billing/clients/{kid['id']}/packs",
        {"service_id": piano["id"], "payment_mode": "paid", "method": "cash"},
        **{"Idempotency-Key": uuid.uuid4().hex},
    )

    page = await new_page(browser, system.gateway_url)
    await page.goto(f"/my/signin?org={org}")
    await page.get_by_role("link", name="Create your account").click()
    await page.get_by_label("Phone or email").fill(phone)
    await page.get_by_role("button", name="Send me a code").click()
    code = await code_inbox.code_for(phone)
    await page.get_by_label("The code we sent").fill(code)
    await page.get_by_label("First name").fill("Anna")
    await page.get_by_label("Last name").fill("Nowak")
    await page.get_by_label("Password").fill("a portal password")
    await page.get_by_role("button", name="Create the account").click()
    await expect(page.get_by_role("main").get_by_role("status")).to_contain_text("Thank you!")

    async def signed_in() -> bool | None:  # the account is linked by the clients service
        await page.goto(f"/my/signin?org={org}")
        await page.get_by_label("Phone or email").fill(phone)
        await page.get_by_label("Password").fill("a portal password")
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_load_state()
        return True if page.url.endswith("/my") else None

    await poll_until(signed_in, within=WITHIN, what="the portal account to be linked")

    async def childs_overview(target: Page, path: str) -> None:
        async def probe() -> bool | None:
            await target.goto(path)
            tab = target.get_by_role("navigation", name="Family").get_by_role("link", name="Ola")
            if await tab.count() == 0:
                return None
            await tab.click()
            packs = target.get_by_role("region", name="Packs")
            lessons = target.get_by_role("region", name="Next lesson")
            seen = await packs.inner_text() + await lessons.inner_text()
            return True if "Piano x 8" in seen and "Piano 1" in seen else None

        await poll_until(probe, within=WITHIN, what="the child's pack and lesson in the portal")

    await childs_overview(page, "/my")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ola Nowak")
    await expect(page.get_by_role("region", name="Packs")).to_contain_text("8 classes left")
    assert await accessibility_problems(page) == []
    assert page.errors == []  # type: ignore[attr-defined]
    await screenshot(page, "portal-overview")

    # Staff's account stays out: the portal cookie is no staff session.
    await page.goto("/app/clients")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    # A personal link: the same overview, read-only, without signing in.
    link = await api.post(f"{CLIENTS}/{kid['id']}/link", {})
    anonymous = await new_page(browser, system.gateway_url)
    await anonymous.goto(f"/my/link/{link['token']}")
    await expect(anonymous.get_by_role("heading", level=1)).to_have_text("Ola Nowak")
    await expect(anonymous.get_by_text("A read-only view through a personal link.")).to_be_visible()
    await api.call("DELETE", f"{CLIENTS}/{kid['id']}/link")
    response = await anonymous.goto(f"/my/link/{link['token']}")
    assert response is not None
    assert response.status == 404
