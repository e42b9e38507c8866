"""Sessions in Debian's Chromium: a run-out access token is renewed without a new sign-in,
sign-out (staff and portal) revokes the refresh token the cookie held, a parent whose
session has gone finds the school's sign-in again (the portal remembers the organisation),
and staff see that sign-in address to hand out. The session cookies are read (and changed)
with the web's own SessionBox and the key the test system runs with."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx
from playwright.async_api import Browser, Page, expect

from crm_devrun.processes import poll_until
from crm_devrun.system import System
from web_svc.sessions import COOKIES, ORG_COOKIE, Realm, Session, SessionBox
from web_svc.settings import Settings

from .browser import (
    PHONE,
    WITHIN,
    browser,  # noqa: F401 - the fixture
    new_page,
    school,
    screenshot,
    sign_in,
)
from .test_portal import CodeInbox, code_inbox  # noqa: F401 - the fixture

CLIENTS = "/api/v1/clients/clients"
PARENT_PASSWORD = "a parent's long password"
BOX = SessionBox(Settings().session_secret)


async def session_of(page: Page, realm: Realm) -> tuple[Any, Session]:
    name = COOKIES[realm][0]
    (cookie,) = [c for c in await page.context.cookies() if c["name"] == name]
    session = BOX.open(cookie["value"], realm)
    assert session is not None
    return cookie, session


async def replace_session(page: Page, cookie: Any, session: Session) -> None:
    await page.context.add_cookies([cookie | {"value": BOX.seal(session)}])


async def refresh_status(gateway: httpx.AsyncClient, refresh_token: str) -> int:
    response = await gateway.post("/auth/refresh", json={"refresh_token": refresh_token})
    return response.status_code


async def test_a_staff_session_renews_itself_and_sign_out_revokes_it(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    _api, signed_up, email = await school(gateway, "Sessions school")
    org = signed_up["organisation"]["id"]
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)

    # The portal's sign-in address, to give to parents: on the settings and the start page.
    address = f"{system.gateway_url}/my/signin?org={org}"
    for where in ("/app/settings", "/app"):
        await page.goto(where)
        await expect(page.get_by_label("The portal's sign-in address")).to_have_value(address)

    # The access token has run out: the next page renews it and loads.
    cookie, stale = await session_of(page, "staff")
    stale.expires_at = time.time() - 1
    await replace_session(page, cookie, stale)
    await page.goto("/app/clients")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Clients")
    _, renewed = await session_of(page, "staff")
    assert renewed.refresh != stale.refresh
    assert renewed.access != stale.access
    assert renewed.expires_at > time.time() + 60

    # An access token the API refuses (as it does an expired one) while the cookie still
    # counts it as fresh: refused once, renewed, and the page loads.
    refused = Session(**vars(renewed) | {"access": renewed.access[:-8] + "AAAAAAAA"})
    await replace_session(page, cookie, refused)
    await page.goto("/app/groups")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Groups")
    _, current = await session_of(page, "staff")
    assert current.refresh != renewed.refresh

    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(re.compile(r"/app/signin$"))
    assert [c for c in await page.context.cookies() if c["name"] == "crm_staff"] == []
    assert await refresh_status(gateway, current.refresh) == 401


async def test_a_parent_whose_session_has_gone_finds_the_schools_sign_in(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
    code_inbox: CodeInbox,  # noqa: F811
) -> None:
    api, signed_up, _ = await school(gateway, "Return school")
    org = signed_up["organisation"]["id"]
    phone = f"+48609{uuid.uuid4().int % 10**6:06d}"
    await api.post(CLIENTS, {"first_name": "Anna", "last_name": "Return", "phone": phone})
    codes = {"organisation_id": org, "login": phone, "purpose": "signup"}
    assert (await gateway.post("/auth/portal/codes", json=codes)).status_code == 202
    signup = {
        "organisation_id": org,
        "login": phone,
        "code": await code_inbox.code_for(phone),
        "first_name": "Anna",
        "last_name": "Return",
        "password": PARENT_PASSWORD,
    }
    assert (await gateway.post("/auth/portal/signup", json=signup)).status_code == 202

    async def linked() -> bool | None:
        credentials = {"organisation_id": org, "login": phone, "password": PARENT_PASSWORD}
        answer = await gateway.post("/auth/portal/token", json=credentials)
        return True if answer.status_code == 200 else None

    await poll_until(linked, within=WITHIN, what="the portal account to be linked")

    page = await new_page(browser, system.gateway_url, viewport=PHONE)

    async def signs_in() -> None:
        await page.get_by_label("Phone or email").fill(phone)
        await page.get_by_label("Password").fill(PARENT_PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(re.compile(r"/my$"))
        await expect(page.get_by_role("heading", level=1)).to_have_text("Anna Return")

    await page.goto(f"/my/signin?org={org}")
    await signs_in()

    # The session is gone (the cookie expired or was cleared); the organisation is
    # remembered, and the installed app starts where its manifest says.
    remembered = [c for c in await page.context.cookies() if c["name"] == ORG_COOKIE]
    assert [c["value"] for c in remembered] == [org]
    await page.context.clear_cookies(name="crm_my")
    manifest = (await gateway.get("/my/manifest.webmanifest")).json()
    await page.goto(manifest["start_url"])
    await expect(page).to_have_url(re.compile(r"/my/signin\?next=/my$"))
    await expect(page.get_by_role("alert")).to_have_count(0)
    await screenshot(page, "portal-signin-after-expiry")
    await signs_in()

    cookie, session = await session_of(page, "portal")
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(re.compile(r"/my/signin\?org="))
    assert [c for c in await page.context.cookies() if c["name"] == cookie["name"]] == []
    assert await refresh_status(gateway, session.refresh) == 401
