"""Driving the front-end in Debian's Chromium (never a downloaded browser): the browser,
signed-in pages, screenshots kept under var/web-tests/, and axe-core run in the page."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from crm_devrun.processes import poll_until

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "var" / "web-tests"
AXE = ROOT / "services" / "web" / "tests" / "vendor" / "axe-4.14.1.min.js"
PASSWORD = "a long enough password"
ZONE = "Europe/Warsaw"
WITHIN = 60.0


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 - once, before anything runs
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        yield launched
        await launched.close()


# The pages the running test opened: kept as screenshots when it fails, closed after it.
OPEN_PAGES: list[Page] = []

DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


async def new_page(
    browser: Browser, base_url: str, locale: str = "en-GB", viewport: dict[str, int] = DESKTOP
) -> Page:
    context = await browser.new_context(
        base_url=base_url,
        locale=locale,
        viewport=viewport,  # type: ignore[arg-type]
        is_mobile=viewport["width"] < 600,
        has_touch=viewport["width"] < 600,
    )
    context.set_default_timeout(20_000)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors  # type: ignore[attr-defined]
    OPEN_PAGES.append(page)
    return page


async def close_test_pages(failed_test: str | None) -> list[Path]:
    """Close the pages the test opened; when it failed, screenshot each one still open first
    (var/web-tests/failed/<test>-<n>.png) and return where they went."""
    kept: list[Path] = []
    pages, OPEN_PAGES[:] = list(OPEN_PAGES), []
    for n, page in enumerate(pages, start=1):
        if page.is_closed():
            continue
        if failed_test is not None:
            name = "".join(c if c.isalnum() or c in "-_" else "-" for c in failed_test)
            try:
                kept.append(await screenshot(page, f"failed/{name}-{n}"))
            except Exception as exc:
                print(f"no screenshot of {failed_test} page {n}: {exc}")
        await page.context.close()
    return kept


async def screenshot(page: Page, name: str) -> Path:
    path = SHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(path), full_page=True)
    return path


async def accessibility_problems(page: Page) -> list[str]:
    """axe-core's serious and critical WCAG 2 A/AA violations on the page as it is."""
    await page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = await page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    await page.goto("/app/signin")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(lambda url: "/signin" not in url)


def school_today() -> date:
    return datetime.now(ZoneInfo(ZONE)).date()


LEARNT_FROM_EVENTS = ("no such branch", "no such client")


class Api:
    """The same public API the pages use, for setting the scene quickly."""

    def __init__(self, gateway: httpx.AsyncClient, token: str) -> None:
        self.gateway = gateway
        self.headers = {"Authorization": f"Bearer {token}"}

    async def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        """One call; while the answer is "no such branch" or "no such client" (a service still
        learning the new organisation's branch or a new client from another service's event: a
        refusal writes nothing), again."""

        async def probe() -> Any:
            response = await self.gateway.request(
                method, path, json=body, headers=self.headers | headers
            )
            if response.status_code == 422 and any(
                unknown in response.text for unknown in LEARNT_FROM_EVENTS
            ):
                return None
            assert response.status_code < 300, f"{method} {path}: {response.text}"
            return (response.json() if response.content else None,)

        (found,) = await poll_until(probe, within=WITHIN, what=f"{method} {path}: learnt ids")
        return found

    async def post(self, path: str, body: Any, **headers: str) -> Any:
        return await self.call("POST", path, body, **headers)

    async def enrol(self, group_id: str, client_id: str, from_date: str) -> Any:
        return await self.post(
            f"/api/v1/journal/groups/{group_id}/enrolments",
            {"client_id": client_id, "from_date": from_date},
        )


async def school(gateway: httpx.AsyncClient, name: str) -> tuple[Api, dict[str, Any], str]:
    """A new organisation, its owner's API and sign-up answer, and the owner's email; once
    billing and the journal know the organisation (they learn it from identity's events)."""
    email = f"owner-{uuid.uuid4().hex[:8]}@school.example.com"
    response = await gateway.post(
        "/auth/signup",
        json={
            "organisation": {"name": name, "currency": "PLN", "time_zone": ZONE, "locale": "en"},
            "owner": {"name": "Olga Owner", "email": email, "password": PASSWORD},
        },
    )
    assert response.status_code == 201, response.text
    signed_up: dict[str, Any] = response.json()
    api = Api(gateway, signed_up["tokens"]["access_token"])
    await billing_knows(api)
    return api, signed_up, email


async def billing_knows(api: Api) -> None:
    async def probe() -> bool | None:
        response = await api.gateway.get("/api/v1/billing/reports/monthly", headers=api.headers)
        return True if response.status_code == 200 else None

    await poll_until(probe, within=WITHIN, what="billing to learn the organisation")


async def main_menu(page: Page, item: str) -> None:
    await page.get_by_role("navigation", name="Main menu").get_by_role("link", name=item).click()
