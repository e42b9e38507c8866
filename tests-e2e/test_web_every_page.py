"""Every staff page the web serves (each GET route of services/web under /app), opened by the
owner of a school with one of everything, in en, ru, pl and uk: it answers 200, in that
language, with no text missing from the catalogues. A page added without a place here fails
the route check, so no page escapes it. The portal's pages are opened in every language by
test_web_portal_pages.py."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
from playwright.async_api import Browser, Page

from crm_devrun.system import System
from web_svc.pages import routers

from .browser import (
    Api,
    browser,  # noqa: F401 - the fixture
    new_page,
    school,
    school_today,
    screenshot,
    sign_in,
)

BI, CL, ID, J, NO = (
    f"/api/v1/{s}" for s in ("billing", "clients", "identity", "journal", "notifications")
)
# Not pages: a CSV download; the grid's partials open inside the grid (they are asked for
# with their query by the grid, and have no <html>).
NOT_PAGES = {"/app/clients/export"}
FRAGMENTS = (
    "/rows/",
    "/lessons/{lesson_id}/panel",
    "/lessons-table",
    "/comments",
    "/progress",
    "/period-unit",
)
PUBLIC = {
    "/app/signin",
    "/app/signup",
    "/app/password-reset",
    "/app/password-reset/confirm",
    "/app/invite",
}
WORD = {"en": "Journal", "ru": "Журнал", "pl": "Dziennik", "uk": "Журнал"}


def staff_routes() -> set[str]:
    return {
        route.path
        for router in routers
        for route in router.routes
        if "GET" in getattr(route, "methods", set()) and route.path.startswith("/app")  # type: ignore[attr-defined]
    } - NOT_PAGES


async def one_of_everything(api: Api, signed_up: dict[str, Any]) -> dict[str, str]:
    """The ids each page's address needs."""
    branch = signed_up["branch"]["id"]
    today = school_today()
    since = str(today - timedelta(days=14))
    group = await api.post(
        f"{J}/groups",
        {"name": "Choir", "branch_id": branch, "programme": "choir", "starts_on": since},
    )
    other = await api.post(
        f"{J}/groups",
        {"name": "Choir 2", "branch_id": branch, "programme": "choir", "starts_on": since},
    )
    client = await api.post(
        f"{CL}/clients", {"first_name": "Ola", "last_name": "Lis", "phone": "+48601200700"}
    )
    await api.enrol(group["id"], client["id"], since)
    lesson = await api.post(
        f"{J}/groups/{group['id']}/lessons",
        {
            "lesson_date": str(today - timedelta(days=1)),
            "starts_at": "10:00",
            "duration_minutes": 45,
        },
    )
    await api.post(
        f"{J}/groups/{other['id']}/lessons",
        {
            "lesson_date": str(today + timedelta(days=3)),
            "starts_at": "11:00",
            "duration_minutes": 45,
        },
    )
    await api.call("PUT", f"{J}/lessons/{lesson['id']}/marks/{client['id']}", {"status": "excused"})
    service = await api.post(
        f"{BI}/catalogue",
        {
            "kind": "pack",
            "name": "Choir x 8",
            "price_minor": 32000,
            "classes": 8,
            "period": {"unit": "month", "count": 1},
        },
    )
    key = {"Idempotency-Key": uuid.uuid4().hex}
    pack = await api.post(
        f"{BI}/clients/{client['id']}/packs",
        {"service_id": service["id"], "payment_mode": "paid", "method": "cash"},
        **key,
    )
    key = {"Idempotency-Key": uuid.uuid4().hex}
    await api.post(
        f"{BI}/clients/{client['id']}/packs",
        {"service_id": service["id"], "payment_mode": "credit"},
        **key,
    )
    invoice = (await api.call("GET", f"{BI}/clients/{client['id']}/invoices"))["items"][0]
    entry = (await api.call("GET", f"{BI}/clients/{client['id']}/ledger"))["items"][0]
    room = await api.post(f"{J}/rooms", {"branch_id": branch, "name": "Hall"})
    teacher = await api.post(
        f"{ID}/staff",
        {
            "name": "Tina Teacher",
            "email": f"tina-{uuid.uuid4().hex[:6]}@school.example.com",
            "role": "teacher",
            "grants": [],
        },
    )
    broadcast = await api.post(
        f"{NO}/broadcasts",
        {"audience": {"kind": "all"}, "subject": "Concert", "body": "On Friday."},
    )
    material = await api.post(
        "/api/v1/portal/materials", {"title": "Concert dress code", "body": "White shirts."}
    )
    return {
        "month": f"{today:%Y-%m}",
        "material_id": material["id"],
        "group_id": group["id"],
        "client_id": client["id"],
        "lesson_id": lesson["id"],
        "service_id": service["id"],
        "pack_id": pack["id"],
        "invoice_id": invoice["id"],
        "entry_id": entry["id"],
        "room_id": room["id"],
        "user_id": teacher.get("id") or teacher["user"]["id"],
        "broadcast_id": broadcast["id"],
    }


async def answers_in(page: Page, address: str, lang: str, word: str | None) -> list[str]:
    """What is wrong with the page at `address` in `lang`: not a 200, a text missing from the
    catalogues; for a whole page (`word` not None), another language or no menu `word`."""
    response = await page.goto(address)
    status = response.status if response is not None else None
    if status != 200:
        return [f"{lang} {address}: {status}"]
    html = await page.content()
    found = [f"{lang} {address}: {m}" for m in re.findall(r"⟦[^⟧]*⟧", html)[:3]]
    if word is not None and f'<html lang="{lang}">' not in html:
        found.append(f"{lang} {address}: not in {lang}")
    if word and word not in html:
        found.append(f"{lang} {address}: no {word!r}")
    return found


QUERIES = {
    "/app/notifications/templates/edit": "?trigger=payment_due_soon&locale=en",
    "/app/groups/{group_id}/rows/{client_id}/seats": "?lesson_id={lesson_id}",
    "/app/groups/{group_id}/rows/{client_id}/summary": "?month={month}",
    "/app/period-unit": "?period_count=3&period_unit=week",
    "/app/password-reset/confirm": "?token=x",
    "/app/invite": "?token=x",
}


async def test_every_staff_page_answers_in_every_language(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, signed_up, email = await school(gateway, "Every page school")
    ids = await one_of_everything(api, signed_up)
    routes = staff_routes()
    addresses = {path: (path + QUERIES.get(path, "")).format(**ids) for path in routes}
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, email)
    problems: list[str] = []
    for lang, word in WORD.items():
        await page.goto("/app")
        await page.locator(f"footer button[value={lang}]").click()
        for path in sorted(routes - PUBLIC):
            whole = not any(part in path for part in FRAGMENTS)
            problems += await answers_in(page, addresses[path], lang, word if whole else None)
        await screenshot(page, f"every-page-last-{lang}")
    for lang in WORD:  # before signing in: the browser's language
        visitor = await new_page(browser, system.gateway_url, locale=lang)
        for path in sorted(PUBLIC & routes):
            problems += await answers_in(visitor, addresses[path], lang, "")
    assert problems == [], "\n".join(problems)
    assert page.errors == []  # type: ignore[attr-defined]
