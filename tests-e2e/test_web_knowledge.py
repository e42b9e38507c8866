"""The knowledge centre from the staff's web to the client portal, in Debian's Chromium
through the gateway: an admin of one branch publishes a material for it with a file (a real
multipart upload) and edits it; a parent whose child attends a group of that branch sees it
on the portal's knowledge page and downloads the file (the same bytes); a parent whose child
attends a group of another branch does not; a teacher has no menu entry for it and no page;
deleted after the confirmation, the material leaves the portal."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
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
from .test_portal import CodeInbox, code_inbox  # noqa: F401 - the fixture

J = "/api/v1/journal"
CLIENTS = "/api/v1/clients/clients"
MATERIALS = "/api/v1/portal/materials"
PARENT_PASSWORD = "a parent's long password"
PDF = b"%PDF-1.4\n% scales to practise\n\x00\x01\x02\xff\xfe binary bytes\n%%EOF\n"


async def staff(api: Api, role: str, grant: dict[str, str]) -> str:
    email = f"{role}-{uuid.uuid4().hex[:8]}@school.example.com"
    body = {"email": email, "name": f"{role.title()} Person", "role": role, "password": PASSWORD}
    await api.post("/api/v1/identity/staff", body | {"grants": [grant]})
    return email


async def parent_with_child(
    gateway: httpx.AsyncClient,
    api: Api,
    code_inbox: CodeInbox,  # noqa: F811
    org: str,
    names: tuple[str, str],
    group: dict[str, Any],
) -> str:
    """A parent with a portal account (signed up with a code, linked by the phone on her
    card) and a child in `group`; the parent's phone, her login."""
    parent_name, child_name = names
    phone = f"+48609{uuid.uuid4().int % 10**6:06d}"
    parent = await api.post(
        CLIENTS, {"first_name": parent_name, "last_name": "Wiedza", "phone": phone}
    )
    child = await api.post(
        CLIENTS,
        {"first_name": child_name, "last_name": "Wiedza", "phone": f"+48612{phone[-6:]}"},
    )
    await api.post(f"{CLIENTS}/{parent['id']}/family", {"client_id": child["id"]})
    await api.enrol(group["id"], child["id"], str(school_today() - timedelta(days=7)))
    codes = {"organisation_id": org, "login": phone, "purpose": "signup"}
    assert (await gateway.post("/auth/portal/codes", json=codes)).status_code == 202
    signup = {
        "organisation_id": org,
        "login": phone,
        "code": await code_inbox.code_for(phone),
        "first_name": parent_name,
        "last_name": "Wiedza",
        "password": PARENT_PASSWORD,
    }
    assert (await gateway.post("/auth/portal/signup", json=signup)).status_code == 202

    async def linked() -> bool | None:
        answer = await gateway.post(
            "/auth/portal/token",
            json={"organisation_id": org, "login": phone, "password": PARENT_PASSWORD},
        )
        return True if answer.status_code == 200 else None

    await poll_until(linked, within=WITHIN, what=f"{parent_name}'s account to be linked")
    return phone


async def portal_knowledge(chromium: Browser, url: str, org: str, phone: str, child: str) -> Page:
    page = await new_page(chromium, url)
    await page.goto(f"/my/signin?org={org}")
    await page.get_by_label("Phone or email").fill(phone)
    await page.get_by_label("Password").fill(PARENT_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(lambda u: u.endswith("/my"))

    async def child_tab() -> bool | None:  # the portal learns the family from events
        await page.goto("/my/knowledge")
        tab = page.get_by_role("navigation", name="Family").get_by_role("link", name=child)
        if await tab.count() == 0:
            return None
        await tab.click()
        return True

    await poll_until(child_tab, within=WITHIN, what=f"{child} in the portal's family switcher")
    return page


async def until_listed(page: Page, title: str, what: str) -> None:
    async def probe() -> bool | None:
        await page.reload()
        return True if title in await page.locator("main").inner_text() else None

    await poll_until(probe, within=WITHIN, what=what)


async def test_an_admin_publishes_for_a_branch_and_only_its_parents_read_it(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
    code_inbox: CodeInbox,  # noqa: F811
    tmp_path: Path,
) -> None:
    api, signed_up, _owner_email = await school(gateway, "Knowledge school")
    org, centre = signed_up["organisation"]["id"], signed_up["branch"]
    north = await api.post("/api/v1/identity/branches", {"name": "North"})
    since = str(school_today() - timedelta(days=30))
    piano = await api.post(
        f"{J}/groups", {"name": "Piano", "branch_id": centre["id"], "starts_on": since}
    )
    drums = await api.post(
        f"{J}/groups", {"name": "Drums", "branch_id": north["id"], "starts_on": since}
    )
    admin = await staff(api, "admin", {"scope": "branch", "scope_id": centre["id"]})
    teacher = await staff(api, "teacher", {"scope": "group", "scope_id": piano["id"]})
    anna = await parent_with_child(gateway, api, code_inbox, org, ("Anna", "Ola"), piano)
    boris = await parent_with_child(gateway, api, code_inbox, org, ("Boris", "Kim"), drums)
    # once the portal knows the branch (from identity's events), and a material for everyone
    probe = await api.post(MATERIALS, {"title": "Probe", "branch_id": centre["id"]})
    await api.call("DELETE", f"{MATERIALS}/{probe['id']}")
    await api.post(MATERIALS, {"title": "Holidays for everyone", "body": "From 23 December."})

    page = await new_page(browser, system.gateway_url)
    await sign_in(page, admin)
    await main_menu(page, "Knowledge centre")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Knowledge centre")
    await expect(page.locator("#m-audience option")).to_have_text([centre["name"]])
    await page.get_by_label("Title").fill("Scales to practise")
    await page.get_by_label("Text").fill("Ten minutes a day.")
    await page.get_by_label("Links").fill("https://example.com/scales")
    await page.get_by_label("File").set_input_files(
        {"name": "scales.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    await page.get_by_role("button", name="Publish").click()
    await expect(page.get_by_role("main").get_by_role("status")).to_have_text(
        "The material is published."
    )
    published = page.locator("#materials tbody tr").filter(has_text="Scales to practise")
    await expect(published.locator("td")).to_contain_text([centre["name"], "scales.pdf"])
    assert await accessibility_problems(page) == []
    await screenshot(page, "knowledge-staff")

    await published.get_by_role("link", name="Edit Scales to practise").click()
    await screenshot(page, "knowledge-edit")
    await page.get_by_label("Text").fill("Ten minutes a day, slowly.")
    await page.get_by_role("button", name="Save the material").click()
    await expect(page.get_by_role("main").get_by_role("status")).to_have_text(
        "The material is saved."
    )
    (found,) = [
        m
        for m in (await api.call("GET", MATERIALS))["items"]
        if m["title"] != "Holidays for everyone"
    ]
    assert found["body"] == "Ten minutes a day, slowly."
    assert found["branch_id"] == centre["id"]
    assert [(f["name"], f["size"]) for f in found["files"]] == [("scales.pdf", len(PDF))]
    assert page.errors == []  # type: ignore[attr-defined]

    # Anna's Ola attends Piano at Centre: she reads it and downloads the very bytes
    reader = await portal_knowledge(browser, system.gateway_url, org, anna, "Ola")
    await until_listed(reader, "Scales to practise", "the material in Ola's knowledge centre")
    await expect(reader.get_by_text("Ten minutes a day, slowly.")).to_be_visible()
    async with reader.expect_download() as download:
        await reader.get_by_role("link", name="scales.pdf").click()
    saved = tmp_path / "scales.pdf"
    await (await download.value).save_as(saved)
    assert saved.read_bytes() == PDF
    await screenshot(reader, "knowledge-portal")

    # Boris's Kim attends Drums at North: the material for everyone, not Centre's
    other = await portal_knowledge(browser, system.gateway_url, org, boris, "Kim")
    await until_listed(other, "Holidays for everyone", "the material for everyone")
    assert "Scales to practise" not in await other.locator("main").inner_text()

    # a teacher: neither the menu entry nor the page
    teaching = await new_page(browser, system.gateway_url)
    await sign_in(teaching, teacher)
    menu = teaching.get_by_role("navigation", name="Main menu")
    await expect(menu.get_by_role("link", name="Journal")).to_be_visible()
    await expect(menu.get_by_role("link", name="Knowledge centre")).to_have_count(0)
    answer = await teaching.goto("/app/knowledge")
    assert answer is not None
    assert answer.status == 403

    # deleted after the confirmation: gone from the list and from Anna's portal
    await page.goto("/app/knowledge")
    await page.get_by_role("link", name="Delete Scales to practise").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Delete the material?")
    await screenshot(page, "knowledge-delete")
    await page.get_by_role("button", name="Delete").click()
    await expect(page.get_by_role("main").get_by_role("status")).to_have_text(
        "The material is deleted."
    )
    await expect(page.locator("#materials")).not_to_contain_text("Scales to practise")
    await reader.reload()
    await expect(reader.get_by_text("Holidays for everyone")).to_be_visible()
    await expect(reader.get_by_text("Scales to practise")).to_have_count(0)


async def test_the_staff_pages_answer_in_every_language(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
) -> None:
    api, _signed_up, owner = await school(gateway, "Knowledge languages school")
    made = await api.post(MATERIALS, {"title": "Holidays", "body": "From 23 December."})
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, owner)
    words = {
        "en": "New material",
        "ru": "Новый материал",
        "pl": "Nowy materiał",
        "uk": "Новий матеріал",
    }
    for lang, word in words.items():
        await page.goto("/app/knowledge")
        await page.locator(f"footer button[value={lang}]").click()
        for path in (
            "/app/knowledge",
            f"/app/knowledge/{made['id']}",
            f"/app/knowledge/{made['id']}/delete",
        ):
            await page.goto(path)
            html = await page.content()
            assert f'<html lang="{lang}">' in html
            assert "\u27e6" not in html, (lang, path)
            await screenshot(page, f"knowledge-{lang}-{path.count('/')}")
        await page.goto("/app/knowledge")
        assert word in await page.content(), lang
        await screenshot(page, f"knowledge-staff-{lang}")
    assert page.errors == []  # type: ignore[attr-defined]
