"""Letters that lead back to the staff app, followed in a real browser: an invited teacher
chooses a password from the invitation letter and signs in; the owner who forgot theirs asks
for a reset, chooses a new one from the letter, and only the new one signs in. Each letter is
the one the system sent, caught by the local SMTP server."""

from __future__ import annotations

import uuid

import httpx
from playwright.async_api import Browser, expect

from crm_devrun.system import System

from .browser import (
    browser,  # noqa: F401 - the fixture
    main_menu,
    new_page,
    school,
    screenshot,
    sign_in,
)
from .conftest import SmtpCatcher
from .test_notifications import letter_to, token_in

NEW_PASSWORD = "a brand new long password"


async def test_an_invitation_and_a_reset_followed_from_their_letters(
    system: System,
    gateway: httpx.AsyncClient,
    smtp: SmtpCatcher,
    browser: Browser,  # noqa: F811
) -> None:
    _api, _signed_up, owner_email = await school(gateway, "Letters school")
    page = await new_page(browser, system.gateway_url)
    await sign_in(page, owner_email)

    teacher_email = f"tina-{uuid.uuid4().hex[:8]}@school.example.com"
    await main_menu(page, "Staff")
    invite = page.locator("form[action='/app/staff']")
    await invite.get_by_label("Name").fill("Tina Teacher")
    await invite.get_by_label("Email").fill(teacher_email)
    await invite.get_by_label("Role").select_option("teacher")
    await invite.get_by_role("button", name="Send the invitation").click()
    letter = await letter_to(smtp, teacher_email, "the invitation letter")
    token = token_in(letter, "/app/invite")

    teacher = await new_page(browser, system.gateway_url)
    await teacher.goto(f"/app/invite?token={token}")
    await teacher.get_by_label("New password").fill(NEW_PASSWORD)
    await teacher.get_by_role("button", name="Save the password").click()
    await expect(teacher.get_by_role("status").first).to_have_text(
        "Welcome! Your password is set. Sign in with it."
    )
    await sign_in(teacher, teacher_email, NEW_PASSWORD)
    await expect(teacher.get_by_text("Tina Teacher")).to_be_visible()
    # The letter's link works once.
    await teacher.goto(f"/app/invite?token={token}")
    await teacher.get_by_label("New password").fill(NEW_PASSWORD)
    await teacher.get_by_role("button", name="Save the password").click()
    await expect(teacher.get_by_role("alert")).to_contain_text("no longer valid")

    forgetful = await new_page(browser, system.gateway_url)
    await forgetful.goto("/app/signin")
    await forgetful.get_by_role("link", name="Forgot your password?").click()
    await forgetful.get_by_label("Email").fill(owner_email)
    await forgetful.get_by_role("button", name="Send the link").click()
    await expect(forgetful.get_by_role("status").first).to_contain_text("a letter with a link")
    letter = await letter_to(smtp, owner_email, "the password reset letter")
    token = token_in(letter, "/app/password-reset/confirm")
    await forgetful.goto(f"/app/password-reset/confirm?token={token}")
    await forgetful.get_by_label("New password").fill(NEW_PASSWORD)
    await forgetful.get_by_role("button", name="Save the password").click()
    await expect(forgetful.get_by_role("status").first).to_have_text(
        "Your new password is set. Sign in with it."
    )
    refused = await gateway.post(
        "/auth/token", json={"email": owner_email, "password": "a long enough password"}
    )
    assert refused.status_code == 401, refused.text
    await sign_in(forgetful, owner_email, NEW_PASSWORD)
    await expect(forgetful.get_by_text("Olga Owner")).to_be_visible()
    await screenshot(forgetful, "password-reset-signed-in")
    assert page.errors == []  # type: ignore[attr-defined]
